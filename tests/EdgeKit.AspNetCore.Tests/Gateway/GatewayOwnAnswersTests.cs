using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Auth;
using EchoBackend = EdgeKit.AspNetCore.Tests.Infrastructure.EchoBackend;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.Gateway;

/// <summary>
/// Issue 18: every status the gateway produces itself (not a backend's) carries an RFC 9457 problem+json body: 401 and 403
/// from authorization whatever the scheme, 404 for no route, 405 for a method the route does not accept.
/// </summary>
public sealed class GatewayOwnAnswersTests
{
    private const string ApiKey = "ek_live_orders_0123456789abcdef0123";

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(body)!.AsObject();
        problem["status"]!.GetValue<int>().Should().Be((int)status);
        return problem;
    }

    [Fact]
    public async Task A_request_no_route_matches_is_404_problem_json()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = backend.Address,
            ["Routes:r:Match:Path"] = "/api/{**rest}",
            ["Routes:r:Cluster"] = "c",
        });

        using var response = await gateway.Client.GetAsync("/nowhere");

        var problem = await ProblemAsync(response, HttpStatusCode.NotFound);
        problem["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:route-not-found");
        problem["title"]!.GetValue<string>().Should().Be("Not found");
        problem["detail"]!.GetValue<string>().Should().Be("No route matches the request.");
        backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_backends_own_empty_404_is_passed_on_unchanged()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        };
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = backend.Address,
            ["Routes:r:Match:Path"] = "/api/{**rest}",
            ["Routes:r:Cluster"] = "c",
        });

        using var response = await gateway.Client.GetAsync("/api/missing");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType.Should().BeNull();
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_method_the_route_does_not_accept_is_405_problem_json_with_Allow()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = backend.Address,
            ["Routes:r:Match:Path"] = "/api/{**rest}",
            ["Routes:r:Match:Methods:0"] = "GET",
            ["Routes:r:Match:Methods:1"] = "PUT",
            ["Routes:r:Cluster"] = "c",
        });

        using var response = await gateway.Client.DeleteAsync("/api/items/1");

        var problem = await ProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        problem["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:method-not-allowed");
        problem["title"]!.GetValue<string>().Should().Be("Method not allowed");
        problem["detail"]!.GetValue<string>().Should().Be("The route does not accept the request's method.");
        response.Content.Headers.Allow.Should().Equal("GET", "PUT");
        backend.Requests.Should().Be(0);
    }

    public static TheoryData<string> Schemes() => new() { "jwt", "apikey", "default-challenge" };

    [Theory]
    [MemberData(nameof(Schemes))]
    public async Task Authorization_answers_401_and_403_problem_json_whatever_the_scheme(string scheme)
    {
        await using var issuer = await TokenIssuer.StartAsync();
        issuer.AddRsaKey("rsa-1");
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clusters:c:Destinations:d:Address"] = backend.Address,
                ["Routes:open:Match:Path"] = "/open/{**rest}",
                ["Routes:open:Cluster"] = "c",
                ["Routes:open:AuthorizationPolicy"] = "default",
                ["Routes:admin:Match:Path"] = "/admin/{**rest}",
                ["Routes:admin:Cluster"] = "c",
                ["Routes:admin:AuthorizationPolicy"] = "admins",
            }.Concat(scheme == "apikey"
                // Only the API-key scheme binds this section: strict configuration refuses it for the others.
                ? new Dictionary<string, string?>
                {
                    ["Authentication:ApiKeys:Keys:k:Hash"] = ApiKeyHash.Compute(ApiKey),
                    ["Authentication:ApiKeys:Keys:k:ClientId"] = "orders-app",
                }
                : []).ToDictionary(),
            builder =>
            {
                var authentication = builder.Services.AddAuthentication(scheme switch { "jwt" => "Bearer", "apikey" => "ApiKey", _ => "Test" });
                _ = scheme switch
                {
                    "jwt" => authentication.AddEdgeKitJwt(o =>
                    {
                        o.Authority = issuer.Issuer;
                        o.Audiences = [TokenIssuer.Audience];
                        o.RequireHttpsMetadata = false;
                    }),
                    "apikey" => authentication.AddEdgeKitApiKeys(builder.Configuration.GetSection("EdgeKit:Authentication:ApiKeys")),
                    _ => authentication.AddScheme<AuthenticationSchemeOptions, HeaderScheme>("Test", null),
                };
                // Plain ASP.NET authorization, without EdgeKit's policies.
                builder.Services.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireAuthenticatedUser().RequireRole("admin")));
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
            });

        using var anonymous = await gateway.Client.GetAsync("/open/a");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/a");
        switch (scheme)
        {
            case "jwt":
                request.Headers.Authorization = new("Bearer", issuer.CreateToken("rsa-1"));
                break;
            case "apikey":
                request.Headers.Add("X-Api-Key", ApiKey);
                break;
            default:
                request.Headers.Add("X-Test-User", "ada");
                break;
        }

        using var forbidden = await gateway.Client.SendAsync(request);

        var unauthorized = await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        unauthorized["title"]!.GetValue<string>().Should().Be("Unauthorized");
        unauthorized["detail"]!.GetValue<string>().Should().Be("The request needs valid credentials.");
        var denied = await ProblemAsync(forbidden, HttpStatusCode.Forbidden);
        denied["title"]!.GetValue<string>().Should().Be("Forbidden");
        denied["detail"]!.GetValue<string>().Should().Be("The credentials are valid but do not grant access to this resource.");
        if (scheme == "jwt")
        {
            anonymous.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer");
        }

        backend.Requests.Should().Be(0);
    }

    /// <summary>A scheme with ASP.NET's default challenge and forbid (no body of their own): authenticated by <c>X-Test-User</c>.</summary>
    private sealed class HeaderScheme(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers.TryGetValue("X-Test-User", out var user)
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], Scheme.Name)), Scheme.Name))
                : AuthenticateResult.NoResult());
    }
}
