using System.Net;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.Migration;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Gateway;

/// <summary>
/// Every problem of one configuration at once (issue 13): the structural ones (unknown keys, values that do not convert)
/// and those of the checks across keys (references, validators) together, each with its path; what the latter would say
/// about an entry whose structure failed is left out, since that entry was read without its bad keys.
/// </summary>
public sealed class ConfigurationReportTests
{
    private static Dictionary<string, string?> Mixed(string backend) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Clusters:orders:Destinations:o1:Address"] = backend,
        ["Clusters:orders:Destinations:o1:Weight"] = "heavy",
        ["Clusters:empty:LoadBalancing:Strategy"] = "RoundRobin",
        // Structure fails here, and the cluster does not exist either: the route is reported for its structure only.
        ["Routes:orders:Match:Path"] = "/orders/{**rest}",
        ["Routes:orders:Cluster"] = "missing",
        ["Routes:orders:Timeout"] = "10s",
        // Sound structure, wrong references.
        ["Routes:b:Match:Path"] = "/b/{**rest}",
        ["Routes:b:Cluster"] = "nowhere",
        ["Routes:c:Match:Path"] = "/c/{**rest}",
        ["Routes:c:Cluster"] = "orders",
        ["Routes:c:AuthorizationPolicy"] = "admins",
        // Without its Window the policy would be "Window must be positive": not the mistake, so not said.
        ["RateLimiting:Policies:broken:Limits:0:PermitLimit"] = "1",
        ["RateLimiting:Policies:broken:Limits:0:Window"] = "10s",
    };

    [Fact]
    public async Task A_start_with_structural_and_cross_key_mistakes_reports_both_kinds_together_each_with_its_path()
    {
        var errors = await StrictConfigurationTests.StartFails(Mixed("http://127.0.0.1:9"));

        errors.Should().BeEquivalentTo(
            "`EdgeKit:Clusters:orders:Destinations:o1:Weight`: 'heavy' is not a whole number.",
            "`EdgeKit:Routes:orders:Timeout`: '10s' is not a time span; write it as `00:00:10`.",
            "`EdgeKit:RateLimiting:Policies:broken:Limits:0:Window`: '10s' is not a time span; write it as `00:00:10`.",
            "Cluster 'empty': has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.",
            "EdgeKit:Routes:b: Cluster 'nowhere' does not exist (known clusters: empty, orders).",
            "EdgeKit:Routes:c: AuthorizationPolicy 'admins' needs ASP.NET Core authorization; call builder.Services.AddAuthorization().");
        errors.Take(3).Should().OnlyContain(e => e.StartsWith('`'), "the structural problems come first");
    }

    [Fact]
    public async Task A_reload_with_structural_and_cross_key_mistakes_logs_both_kinds_once_and_changes_nothing()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var valid = new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
        };
        await using var gateway = await GatewayHost.StartAsync(valid);
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);

        gateway.Reload(new Dictionary<string, string?>(valid)
        {
            ["Routes:orders:Timeout"] = "10s",
            ["Routes:b:Match:Path"] = "/b/{**rest}",
            ["Routes:b:Cluster"] = "nowhere",
            ["Routes:c:Match:Path"] = "/c/{**rest}",
            ["Routes:c:Cluster"] = "orders",
        });

        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK, "the routes in force stay");
        (await gateway.Client.GetAsync("/c/1")).StatusCode.Should().Be(HttpStatusCode.NotFound, "nothing of the bad reload applies, not even its sound route");
        gateway.Logs.Entries.Where(e => e.EventId == 1007).Select(e => e.Message).Should().BeEquivalentTo(
            "EdgeKit configuration reload rejected; the previous configuration stays in force. `EdgeKit:Routes:orders:Timeout`: '10s' is not a time span; write it as `00:00:10`.",
            "EdgeKit configuration reload rejected; the previous configuration stays in force. EdgeKit:Routes:b: Cluster 'nowhere' does not exist (known clusters: orders).");
    }

    [Fact]
    public async Task A_route_naming_the_apps_own_rate_limiter_policy_without_UseRateLimiter_fails_the_start_before_the_port_accepts_a_connection()
    {
        int port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:o1:Address"] = "http://127.0.0.1:9",
            ["EdgeKit:Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["EdgeKit:Routes:orders:Cluster"] = "orders",
            ["EdgeKit:Routes:orders:RateLimiterPolicy"] = "app-fixed",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection("EdgeKit"));
        // The app's own policy needs ASP.NET's middleware (an EdgeKit policy limits the route itself).
        builder.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("app-fixed", f => { f.PermitLimit = 1; f.Window = TimeSpan.FromMinutes(1); }));
        await using var app = builder.Build();
        app.MapEdgeKit();

        var start = () => app.StartAsync();

        (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which.Errors.Should().Equal(
            "EdgeKit:Routes:orders: RateLimiterPolicy 'app-fixed' needs the rate-limiting middleware, which is not in the app's pipeline; add app.UseRateLimiter() (after app.UseRouting(), if the app calls it).");
        using var client = new TcpClient();
        var connect = async () => await client.ConnectAsync(IPAddress.Loopback, port);
        (await connect.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused, "the server never listened");
    }

    [Fact]
    public async Task With_UseRateLimiter_the_same_app_starts_and_serves()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
                ["Routes:orders:Match:Path"] = "/orders/{**rest}",
                ["Routes:orders:Cluster"] = "orders",
                ["Routes:orders:RateLimiterPolicy"] = "per-client",
                ["RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "1",
                ["RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
            },
            configureApp: app => app.UseRateLimiter());

        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Cross_key_errors_about_an_imported_YARP_route_or_cluster_name_the_YARP_key()
    {
        const string Json = """
            {
              "ReverseProxy": {
                "Routes": {
                  "orders": { "ClusterId": "backend", "AuthorizationPolicy": "admins", "Match": { "Path": "/orders/{**rest}" } }
                },
                "Clusters": {
                  "backend": { "Destinations": { "d1": { "Address": "not-an-address" } } }
                }
              }
            }
            """;
        var app = ImportGatewayHost.Build(Json, (edge, configuration) => edge.AddYarpConfiguration(configuration.GetSection("ReverseProxy")), b => b.Services.AddAuthorization(), out _, out _);
        await using var disposeApp = app;
        var start = () =>
        {
            app.MapEdgeKit();
            return app.StartAsync();
        };

        (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which.Errors.Should().BeEquivalentTo(
            "ReverseProxy:Clusters:backend, destination 'd1': Address 'not-an-address' is not an absolute URI; use a form such as 'http://10.0.0.11:8080'.",
            "ReverseProxy:Routes:orders: AuthorizationPolicy 'admins' does not exist; define it under EdgeKit:Authorization:Policies or with builder.Services.AddAuthorization(o => o.AddPolicy(\"admins\", ...)), or use 'default' or 'anonymous'.");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
