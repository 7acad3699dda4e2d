using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Status;

public sealed class GatewayStatusTests
{
    [Fact]
    public async Task The_status_document_lists_routes_clusters_and_live_destination_state_behind_its_policy()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var second = await EchoBackend.StartAsync("second");
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
                ["Clusters:orders:Destinations:o2:Address"] = second.Address,
                ["Clusters:orders:Destinations:o2:Weight"] = "3",
                ["Clusters:orders:LoadBalancing:Strategy"] = "RoundRobin",
                ["Routes:orders:Match:Path"] = "/user/orders/{**rest}",
                ["Routes:orders:Match:Methods:0"] = "GET",
                ["Routes:orders:Cluster"] = "orders",
                ["Routes:orders:AuthorizationPolicy"] = "anonymous",
            },
            builder =>
            {
                builder.Services.AddAuthentication("test").AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("test", null);
                builder.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireRole("ops")));
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapEdgeKitStatus("ops");
            });
        (await gateway.Client.GetAsync("/user/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await gateway.Client.GetAsync("/edgekit/status")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var notOps = new HttpRequestMessage(HttpMethod.Get, "/edgekit/status");
        notOps.Headers.Add("X-Test-Roles", "dev");
        (await gateway.Client.SendAsync(notOps)).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var ops = new HttpRequestMessage(HttpMethod.Get, "/edgekit/status");
        ops.Headers.Add("X-Test-Roles", "ops");
        using var response = await gateway.Client.SendAsync(ops);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var route = status["routes"]!.AsArray().Single()!;
        route["id"]!.GetValue<string>().Should().Be("orders");
        route["path"]!.GetValue<string>().Should().Be("/user/orders/{**rest}");
        route["methods"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal("GET");
        route["cluster"]!.GetValue<string>().Should().Be("orders");
        route["authorizationPolicy"]!.GetValue<string>().Should().Be("anonymous");
        route["timeoutSeconds"]!.GetValue<double>().Should().Be(100);

        var cluster = status["clusters"]!.AsArray().Single()!;
        cluster["name"]!.GetValue<string>().Should().Be("orders");
        cluster["strategy"]!.GetValue<string>().Should().Be("RoundRobin");
        var destinations = cluster["destinations"]!.AsArray();
        destinations.Select(d => d!["id"]!.GetValue<string>()).Should().Equal("o1", "o2");
        destinations[1]!["weight"]!.GetValue<int>().Should().Be(3);
        int served = destinations.Sum(d => d!["totalRequests"]!.GetValue<int>());
        served.Should().Be(1, "one request went through the gateway");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("true")]
    [InlineData("false")]
    public async Task Destination_addresses_are_listed_unless_ShowAddresses_is_false(string? showAddresses)
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = backend.Address + "/v1",
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
        };
        if (showAddresses is not null)
        {
            settings["Status:ShowAddresses"] = showAddresses;
        }

        await using var gateway = await GatewayHost.StartAsync(settings, configureApp: app => app.MapEdgeKitStatus("anonymous"));

        string body = await gateway.Client.GetStringAsync("/edgekit/status");

        var destination = JsonNode.Parse(body)!["clusters"]![0]!["destinations"]![0]!.AsObject();
        destination["id"]!.GetValue<string>().Should().Be("o1");
        if (showAddresses == "false")
        {
            destination.ContainsKey("address").Should().BeFalse();
            body.Should().NotContain(new Uri(backend.Address).Authority).And.NotContain("/v1");
        }
        else
        {
            destination["address"]!.GetValue<string>().Should().Be(backend.Address + "/v1");
        }
    }

    [Fact]
    public async Task The_status_shows_each_destinations_ejection_reason_and_end_and_its_last_probe()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero));
        await using var live = await EchoBackend.StartAsync("live");
        var dead = await EchoBackend.StartAsync("dead");
        string deadAddress = dead.Address;
        await dead.DisposeAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:dead:Address"] = deadAddress,
                ["Clusters:orders:Destinations:live:Address"] = live.Address,
                ["Clusters:orders:LoadBalancing:Strategy"] = "RoundRobin",
                ["Clusters:orders:Health:Active:Enabled"] = "true",
                ["Clusters:orders:Health:Active:Interval"] = "00:00:10",
                ["Routes:orders:Match:Path"] = "/orders/{**rest}",
                ["Routes:orders:Cluster"] = "orders",
            },
            builder => builder.Services.AddSingleton<TimeProvider>(time),
            app => app.MapEdgeKitStatus("anonymous"));

        // The first round of probes runs at start; the fake clock never moves, so it is the only one.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonArray destinations;
        do
        {
            destinations = JsonNode.Parse(await gateway.Client.GetStringAsync("/edgekit/status"))!["clusters"]![0]!["destinations"]!.AsArray();
        }
        while (destinations.Any(d => d!["lastProbe"] is null) && DateTime.UtcNow < deadline);

        for (int i = 0; i < 10; i++)
        {
            await gateway.Client.GetAsync($"/orders/{i}");
        }

        destinations = JsonNode.Parse(await gateway.Client.GetStringAsync("/edgekit/status"))!["clusters"]![0]!["destinations"]!.AsArray();
        string[] fields = ["id", "health", "isEjected", "ejectedForSeconds", "ejectionReason", "ejectedUntil", "consecutiveProbeSuccesses", "consecutiveProbeFailures", "lastProbe"];
        var shown = new JsonArray([.. destinations.Select(d => (JsonNode)new JsonObject(fields.Select(f => KeyValuePair.Create(f, d![f]?.DeepClone()))))]);
        string port = new Uri(deadAddress).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var expected = JsonNode.Parse($$"""
            [
              { "id": "dead", "health": "Unhealthy", "isEjected": true, "ejectedForSeconds": 30, "ejectionReason": "connect-failure",
                "ejectedUntil": "2026-12-06T01:00:30+00:00", "consecutiveProbeSuccesses": 0, "consecutiveProbeFailures": 1,
                "lastProbe": { "at": "2026-12-06T01:00:00+00:00", "passed": false,
                  "result": "HttpRequestException: Connection refused (127.0.0.1:{{port}}) ---> SocketException: Connection refused" } },
              { "id": "live", "health": "Unknown", "isEjected": false, "ejectedForSeconds": 0, "ejectionReason": null,
                "ejectedUntil": null, "consecutiveProbeSuccesses": 1, "consecutiveProbeFailures": 0,
                "lastProbe": { "at": "2026-12-06T01:00:00+00:00", "passed": true, "result": "status 200" } }
            ]
            """);
        JsonNode.DeepEquals(shown, expected).Should().BeTrue($"the status shows {shown.ToJsonString()}");
    }

    [Fact]
    public void The_status_endpoint_needs_an_explicit_policy()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddEdgeKit().AddGateway();
        var app = builder.Build();

        var act = () => app.MapEdgeKitStatus(" ");

        act.Should().Throw<ArgumentException>().WithParameterName("authorizationPolicy");
    }

    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue("X-Test-Roles", out var roles))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity(roles.ToString().Split(',').Select(r => new Claim(ClaimTypes.Role, r)).Append(new Claim(ClaimTypes.Name, "tester")), "test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "test")));
        }
    }
}
