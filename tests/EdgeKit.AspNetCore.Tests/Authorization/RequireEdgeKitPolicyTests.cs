using System.Net;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Auth;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Authorization;

/// <summary>
/// <c>RequireEdgeKitPolicy</c>, through the public API only: a policy name means on an endpoint of the app what it means on
/// a route (<c>anonymous</c>, <c>default</c>, a name), and the checked overload refuses, when the endpoint is mapped, a
/// name that does not resolve, naming where it came from.
/// </summary>
public sealed class RequireEdgeKitPolicyTests
{
    private const string Key = "ek_live_reports_0123456789abcdef012";

    [Fact]
    public async Task Anonymous_default_and_a_named_policy_mean_what_they_mean_on_routes_and_a_missing_name_fails_when_mapped()
    {
        EdgeKitConfigurationException? missing = null;
        await using var app = await TestApp.StartAsync(
            builder =>
            {
                builder.Services.AddAuthentication()
                    .AddEdgeKitApiKeys(configure: o => o.Keys["reports"] = new() { Hash = ApiKeyHash.Compute(Key), ClientId = "reports", Scopes = ["orders.read"] });
                builder.Services.AddEdgeKit().AddAuthorizationPolicies(o => o.Policies["writers"] = new() { Scopes = ["orders.write"] });
            },
            web =>
            {
                web.UseAuthentication();
                web.UseAuthorization();
                web.MapGet("/open", () => "open").RequireEdgeKitPolicy("anonymous");
                web.MapGet("/signed-in", () => "signed in").RequireEdgeKitPolicy("default");
                web.MapGet("/writers", () => "written").RequireEdgeKitPolicy("writers", web.Services, "Orders:WritePolicy");
                web.MapGet("/checked-open", () => "open").RequireEdgeKitPolicy("anonymous", web.Services, "Orders:OpenPolicy");
                try
                {
                    web.MapGet("/missing", () => "never").RequireEdgeKitPolicy("auditors", web.Services, "Orders:AuditPolicy");
                }
                catch (EdgeKitConfigurationException ex)
                {
                    missing = ex;
                }
            });

        missing.Should().NotBeNull();
        missing!.Errors.Should().Equal(
            "Orders:AuditPolicy: AuthorizationPolicy 'auditors' does not exist; define it under EdgeKit:Authorization:Policies or with builder.Services.AddAuthorization(o => o.AddPolicy(\"auditors\", ...)), or use 'default' or 'anonymous'.");

        (await StatusAsync(app, "/open", key: null)).Should().Be((HttpStatusCode.OK, "open"));
        (await StatusAsync(app, "/checked-open", key: null)).Should().Be((HttpStatusCode.OK, "open"));
        (await StatusAsync(app, "/signed-in", key: null)).Status.Should().Be(HttpStatusCode.Unauthorized, "'default' is the default policy: an authenticated user");
        (await StatusAsync(app, "/signed-in", Key)).Should().Be((HttpStatusCode.OK, "signed in"));
        (await StatusAsync(app, "/writers", Key)).Status.Should().Be(HttpStatusCode.Forbidden, "the key lacks the writers' scope");
    }

    [Fact]
    public void The_checked_overload_says_which_services_are_missing_and_refuses_bad_arguments()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddRouting();
        using var app = builder.Build();

        FluentActions.Invoking(() => app.MapGet("/x", () => "x").RequireEdgeKitPolicy("operators", app.Services, "Ops:Policy"))
            .Should().Throw<EdgeKitConfigurationException>().Which.Errors.Should().Equal(
                "Ops:Policy: AuthorizationPolicy 'operators' needs ASP.NET Core authorization; call builder.Services.AddAuthorization().");
        FluentActions.Invoking(() => app.MapGet("/y", () => "y").RequireEdgeKitPolicy("anonymous", app.Services, "Ops:Policy"))
            .Should().NotThrow("anonymous needs no authorization services");
        FluentActions.Invoking(() => app.MapGet("/z", () => "z").RequireEdgeKitPolicy("operators", null!, "Ops:Policy"))
            .Should().Throw<ArgumentNullException>().WithParameterName("services");
        FluentActions.Invoking(() => app.MapGet("/z", () => "z").RequireEdgeKitPolicy("operators", app.Services, " "))
            .Should().Throw<ArgumentException>().WithParameterName("source");
        FluentActions.Invoking(() => app.MapGet("/z", () => "z").RequireEdgeKitPolicy(" "))
            .Should().Throw<ArgumentException>().WithParameterName("policyName");
    }

    private static async Task<(HttpStatusCode Status, string Body)> StatusAsync(TestApp app, string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await app.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
