using EdgeKit.AspNetCore.Dashboard;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Status;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the gateway's live dashboard.</summary>
public static class EndpointRouteBuilderEdgeKitDashboardExtensions
{
    /// <summary>The dashboard's default path.</summary>
    public const string DefaultDashboardPath = "/edgekit/dashboard";

    /// <summary>
    /// Maps an HTML dashboard showing clusters and destinations live (health, requests/s, p50/p99 latency sparklines,
    /// ejections) and the routes. Every file ships in the package; the page polls a status document under the same path
    /// and the same protection. Like the status API it shows backend addresses, so it always sits behind an authorization
    /// policy: name one, <c>default</c> for an authenticated user, or <c>anonymous</c> deliberately.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="authorizationPolicy">The ASP.NET authorization policy required, <c>default</c>, or <c>anonymous</c>.</param>
    /// <param name="pattern">The path; default <see cref="DefaultDashboardPath"/>.</param>
    /// <returns>A builder for conventions applied to every dashboard endpoint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="authorizationPolicy"/> or <paramref name="pattern"/> is null or blank, or the pattern does not start with '/'.</exception>
    /// <exception cref="InvalidOperationException">The gateway was not added.</exception>
    /// <exception cref="EdgeKit.Configuration.EdgeKitConfigurationException">The policy does not exist, or authorization or authentication services are missing.</exception>
    public static IEndpointConventionBuilder MapEdgeKitDashboard(this IEndpointRouteBuilder endpoints, string authorizationPolicy, string pattern = DefaultDashboardPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        if (pattern[0] != '/')
        {
            throw new ArgumentException($"The dashboard path '{pattern}' must start with '/'.", nameof(pattern));
        }

        var status = GatewayStatusWriter.CreateHandler(endpoints.ServiceProvider, nameof(MapEdgeKitDashboard));
        endpoints.ServiceProvider.GetService<GatewayPolicyReferences>()?.CheckEndpointPolicy(nameof(MapEdgeKitDashboard), authorizationPolicy);
        string root = pattern.TrimEnd('/');
        var group = endpoints.MapGroup(root);

        // Routing treats "/x" and "/x/" alike, so one endpoint serves the page; the asset URLs in it are relative and need
        // the trailing slash, so a request without one is redirected.
        var index = Serve("index.html");
        RequestDelegate page = context =>
        {
            if (context.Request.Path.Value?.EndsWith('/') != true)
            {
                context.Response.Redirect(context.Request.PathBase + root + "/" + context.Request.QueryString, permanent: false);
                return Task.CompletedTask;
            }

            return index(context);
        };
        group.MapGet("/", page).WithDisplayName("EdgeKit dashboard");
        group.MapGet("/dashboard.js", Serve("dashboard.js")).WithDisplayName("EdgeKit dashboard script");
        group.MapGet("/dashboard.css", Serve("dashboard.css")).WithDisplayName("EdgeKit dashboard styles");
        group.MapGet("/status.json", status).WithDisplayName("EdgeKit dashboard status");

        group.WithMetadata(AuthorizationPolicyMetadata.For(authorizationPolicy));
        return group;
    }

    private static RequestDelegate Serve(string name) => context =>
    {
        if (!DashboardAssets.TryGet(name, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        return context.Response.Body.WriteAsync(asset.Content).AsTask();
    };
}
