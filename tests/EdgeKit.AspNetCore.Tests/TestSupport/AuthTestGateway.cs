using EdgeKit.AspNetCore.IdentityForwarding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

/// <summary>
/// A minimal gateway for the tests: <c>/api/{policy}/{**rest}</c> forwards to the backend, through ASP.NET
/// authentication and authorization with the EdgeKit policy named in the path, copying every incoming header and then
/// applying an <see cref="IdentityForwarder"/>, as the EdgeKit gateway's forwarder does per route.
/// </summary>
internal static class AuthTestGateway
{
    public static readonly string[] Policies = ["anonymous", "authenticated", "orders-read", "admins", "eu-tenant", "jwt-only", "apikey-only", "hmac-only"];

    public static void MapForwarding(WebApplication app, Uri backend, IdentityForwardingOptions forwarding)
    {
        var forwarder = new IdentityForwarder(forwarding);
        app.UseAuthentication();
        app.UseAuthorization();
        foreach (var policy in Policies)
        {
            app.Map($"/api/{policy}/{{**rest}}", (HttpContext context, IHttpClientFactory clients) => ForwardAsync(context, clients, backend, forwarder))
                .RequireEdgeKitPolicy(policy);
        }
    }

    public static void AddPolicies(WebApplicationBuilder builder, params string[] defaultSchemes)
    {
        builder.Services.AddHttpClient("backend");
        builder.Services.AddEdgeKit().AddAuthorizationPolicies(o =>
        {
            o.DefaultAuthenticationSchemes = defaultSchemes;
            o.Policies["authenticated"] = new();
            o.Policies["orders-read"] = new() { Scopes = ["orders.read"] };
            o.Policies["admins"] = new() { Roles = ["admin"] };
            o.Policies["eu-tenant"] = new() { Claims = { ["tenant"] = ["eu-1", "eu-2"] } };
            foreach (var (policy, scheme) in new[] { ("jwt-only", "Bearer"), ("apikey-only", "ApiKey"), ("hmac-only", "EdgeKit-HMAC") })
            {
                if (defaultSchemes.Contains(scheme))
                {
                    o.Policies[policy] = new() { AuthenticationSchemes = [scheme] };
                }
            }
        });
    }

    private static async Task ForwardAsync(HttpContext context, IHttpClientFactory clients, Uri backend, IdentityForwarder forwarder)
    {
        var target = new Uri(backend, context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && request.Content is not null)
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        forwarder.Apply(context, request);
        using var response = await clients.CreateClient("backend").SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
