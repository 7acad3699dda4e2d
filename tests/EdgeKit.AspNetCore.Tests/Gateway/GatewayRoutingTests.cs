using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Gateway;

public sealed class GatewayRoutingTests
{
    [Fact]
    public async Task Seeds_example_routes_user_orders_and_user_profile_to_their_services()
    {
        await using var orders = await EchoBackend.StartAsync("orders");
        await using var users = await EchoBackend.StartAsync("users");
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = orders.Address,
            ["Clusters:users:Destinations:u1:Address"] = users.Address,
            ["Routes:orders:Match:Path"] = "/user/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
            ["Routes:profile:Match:Path"] = "/user/profile",
            ["Routes:profile:Cluster"] = "users",
        });

        var order = await gateway.Client.GetFromJsonAsync<JsonObject>("/user/orders/42?expand=lines");
        var profile = await gateway.Client.GetFromJsonAsync<JsonObject>("/user/profile");

        order!["backend"]!.GetValue<string>().Should().Be("orders");
        order["path"]!.GetValue<string>().Should().Be("/user/orders/42");
        order["query"]!.GetValue<string>().Should().Be("?expand=lines");
        profile!["backend"]!.GetValue<string>().Should().Be("users");
        (await gateway.Client.GetAsync("/user/unknown")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        orders.Requests.Should().Be(1);
        users.Requests.Should().Be(1);
    }

    [Fact]
    public async Task Routes_match_on_method_host_header_and_query_and_explicit_order_breaks_ties()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:a:Destinations:d:Address"] = a.Address,
            ["Clusters:b:Destinations:d:Address"] = b.Address,
            ["Routes:fallback:Match:Path"] = "/api/{**rest}",
            ["Routes:fallback:Cluster"] = "a",
            ["Routes:fallback:Order"] = "10",
            ["Routes:posts:Match:Path"] = "/api/{**rest}",
            ["Routes:posts:Match:Methods:0"] = "POST",
            ["Routes:posts:Cluster"] = "b",
            ["Routes:beta:Match:Path"] = "/api/{**rest}",
            ["Routes:beta:Match:Headers:0:Name"] = "X-Channel",
            ["Routes:beta:Match:Headers:0:Values:0"] = "beta",
            ["Routes:beta:Cluster"] = "b",
            ["Routes:debug:Match:Path"] = "/api/{**rest}",
            ["Routes:debug:Match:QueryParameters:0:Name"] = "debug",
            ["Routes:debug:Match:QueryParameters:0:Mode"] = "Exists",
            ["Routes:debug:Cluster"] = "b",
            ["Routes:host:Match:Path"] = "/api/{**rest}",
            ["Routes:host:Match:Hosts:0"] = "tenant.example",
            ["Routes:host:Cluster"] = "b",
        });

        async Task<string> BackendFor(HttpRequestMessage request)
        {
            using var response = await gateway.Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            return response.Headers.GetValues("X-Backend").Single();
        }

        (await BackendFor(new HttpRequestMessage(HttpMethod.Get, "/api/x"))).Should().Be("a");
        (await BackendFor(new HttpRequestMessage(HttpMethod.Post, "/api/x") { Content = new StringContent("{}") })).Should().Be("b");
        var beta = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        beta.Headers.Add("X-Channel", "BETA");
        (await BackendFor(beta)).Should().Be("b", "header values compare case-insensitively by default");
        var other = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        other.Headers.Add("X-Channel", "stable");
        (await BackendFor(other)).Should().Be("a");
        (await BackendFor(new HttpRequestMessage(HttpMethod.Get, "/api/x?debug"))).Should().Be("b");
        var hosted = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        hosted.Headers.Host = "tenant.example";
        (await BackendFor(hosted)).Should().Be("b");
    }

    [Fact]
    public async Task Code_first_routes_reach_the_same_model_as_configuration()
    {
        await using var backend = await EchoBackend.StartAsync("code");
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(),
            builder => builder.Services.AddEdgeKit()
                .AddCluster("code", c => c.AddDestination(backend.Address))
                .AddRoute("code-route", "/code/{**rest}", "code", r => r.Match.Methods.Add("GET")));

        var echo = await gateway.Client.GetFromJsonAsync<JsonObject>("/code/a/b");
        echo!["path"]!.GetValue<string>().Should().Be("/code/a/b");
        (await gateway.Client.PostAsync("/code/a", new StringContent("x"))).StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Invalid_configuration_fails_the_start_with_every_problem_listed()
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["Routes:no-target:Match:Path"] = "/a",
            ["Routes:bad-cluster:Match:Path"] = "/b",
            ["Routes:bad-cluster:Cluster"] = "missing",
            ["Routes:bad-path:Match:Path"] = "/c/{",
            ["Routes:bad-path:Cluster"] = "c",
            ["Routes:bad-header:Cluster"] = "c",
            ["Routes:bad-header:Match:Headers:0:Name"] = "X-A",
            ["Routes:bad-timeout:Cluster"] = "c",
            ["Routes:bad-timeout:Timeout"] = "-00:00:01",
            ["Routes:too-deep:Match:Path"] = string.Concat(Enumerable.Repeat("/a", 29)),
            ["Routes:too-deep:Cluster"] = "c",
        });

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Contain("EdgeKit:Routes:no-target: has no target; set Cluster (or Aggregate).");
        error.Errors.Should().Contain("EdgeKit:Routes:bad-cluster: Cluster 'missing' does not exist (known clusters: c).");
        error.Errors.Should().Contain(e => e.StartsWith("EdgeKit:Routes:bad-path:Match: Path '/c/{' is not a valid route template:", StringComparison.Ordinal));
        error.Errors.Should().Contain("EdgeKit:Routes:bad-header:Match:Headers:0: Mode Exact needs at least one value in Values.");
        error.Errors.Should().Contain("EdgeKit:Routes:bad-timeout: Timeout must be positive, was -00:00:01.");
        error.Errors.Should().Contain($"EdgeKit:Routes:too-deep:Match: Path '{string.Concat(Enumerable.Repeat("/a", 29))}' is not a valid route template: Route exceeds the maximum number of allowed segments of 28 and is unable to be processed.");
        error.Errors.Should().HaveCount(6);
    }

    [Fact]
    public async Task A_reload_changes_routes_and_a_bad_reload_keeps_them_and_logs_every_error()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:one:Destinations:d:Address"] = one.Address,
            ["Routes:r:Match:Path"] = "/r/{**rest}",
            ["Routes:r:Cluster"] = "one",
        };
        await using var gateway = await GatewayHost.StartAsync(settings);
        (await Backend(gateway, "/r/x")).Should().Be("one");

        // A new cluster and the route moved to it in one change.
        gateway.Reload(new Dictionary<string, string?>(settings)
        {
            ["Clusters:two:Destinations:d:Address"] = two.Address,
            ["Routes:r:Cluster"] = "two",
            ["Routes:s:Match:Path"] = "/s",
            ["Routes:s:Cluster"] = "one",
        });
        (await Backend(gateway, "/r/x")).Should().Be("two");
        (await Backend(gateway, "/s")).Should().Be("one");

        gateway.Reload(new Dictionary<string, string?>(settings)
        {
            ["Routes:r:Cluster"] = "nowhere",
            ["Routes:t:Match:Path"] = "/t/{",
            ["Routes:t:Cluster"] = "one",
        });
        (await Backend(gateway, "/r/x")).Should().Be("two", "the routes in force stay");
        var rejected = gateway.Logs.Entries.Where(e => e.EventId == 1401).Select(e => e.Message).ToList();
        rejected.Should().Contain(m => m.Contains("EdgeKit:Routes:r: Cluster 'nowhere' does not exist", StringComparison.Ordinal));
        rejected.Should().Contain(m => m.Contains("EdgeKit:Routes:t:Match: Path '/t/{' is not a valid route template", StringComparison.Ordinal));
    }

    [Fact]
    public async Task One_configuration_change_rebuilds_the_routes_once_and_logs_each_problem_once()
    {
        // Routes, clusters and aggregates are three options types bound from one configuration: one change fires all
        // three change sources, and the gateway must still rebuild (and report) once.
        await using var one = await EchoBackend.StartAsync("one");
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:one:Destinations:d:Address"] = one.Address,
            ["Routes:r:Match:Path"] = "/r/{**rest}",
            ["Routes:r:Cluster"] = "one",
        };
        await using var gateway = await GatewayHost.StartAsync(settings);
        int Applied() => gateway.Logs.Entries.Count(e => e.EventId == 1400);
        int applied = Applied();

        gateway.Reload(new Dictionary<string, string?>(settings) { ["Routes:s:Match:Path"] = "/s", ["Routes:s:Cluster"] = "one" });
        Applied().Should().Be(applied + 1);
        (await Backend(gateway, "/s")).Should().Be("one");

        gateway.Reload(new Dictionary<string, string?>(settings) { ["Routes:r:Cluster"] = "nowhere" });
        Applied().Should().Be(applied + 1);
        gateway.Logs.Entries.Where(e => e.EventId == 1401).Select(e => e.Message)
            .Should().ContainSingle(m => m.Contains("EdgeKit:Routes:r: Cluster 'nowhere' does not exist", StringComparison.Ordinal));

        gateway.Reload(settings);
        Applied().Should().Be(applied + 2);
    }

    private static async Task<string> Backend(GatewayHost gateway, string path)
    {
        using var response = await gateway.Client.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK, path + " " + string.Join("\n", gateway.Logs.Entries.Select(e => $"{e.EventId} {e.Message}")));
        return response.Headers.GetValues("X-Backend").Single();
    }

    [Fact]
    public void MapEdgeKit_without_AddGateway_says_what_to_call()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        var act = () => app.MapEdgeKit();
        act.Should().Throw<InvalidOperationException>().WithMessage("The EdgeKit gateway is not registered. Call builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection(\"EdgeKit\")) before app.MapEdgeKit().");
    }
}
