using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeKit.AspNetCore.Aggregation;
using EdgeKit.Configuration;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.IntegrationTests.Aggregation;

/// <summary>
/// A real Kestrel gateway on 127.0.0.1 serving aggregates with plain <c>MapGet</c>/<c>MapPost</c> endpoints, whose legs
/// go through an EdgeKit cluster to a real Kestrel <see cref="AggregationBackend"/>.
/// </summary>
public sealed class AggregateEndpointTests : IAsyncLifetime
{
    private const int FanOutCap = 3;
    private AggregationBackend _backend = null!;
    private WebApplication _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _backend = await AggregationBackend.StartAsync(productConcurrencyGate: FanOutCap);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddEdgeKit(edge => edge
            .AddCluster("shop", c => c.AddDestinations(_backend.Address.ToString()))
            .AddAggregateEndpoints()
            .AddAggregate("order-details", a => a
                .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
                .AddLeg("customer", l => { l.Cluster = "shop"; l.Path = "/customers/{order.customerId}"; })
                .AddLeg("products", l => { l.Cluster = "shop"; l.Path = "/products/{item.productId}"; l.ForEach = "order.items"; l.MaxConcurrency = FanOutCap; })
                .AddLeg("me", l => { l.Cluster = "shop"; l.Path = "/whoami"; }))
            .AddAggregate("with-broken", a => a
                .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
                .AddLeg("broken", l => { l.Cluster = "shop"; l.Path = "/fail"; }))
            .AddAggregate("with-slow", a => a
                .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
                .AddLeg("slow", l => { l.Cluster = "shop"; l.Path = "/slow"; l.Timeout = TimeSpan.FromMilliseconds(200); l.Required = false; l.Default = "[]"; }))
            .AddAggregate("slow-required", a => a
                .AddLeg("slow", l => { l.Cluster = "shop"; l.Path = "/slow"; l.Timeout = TimeSpan.FromMilliseconds(200); }))
            .AddAggregate("with-big", a => a
                .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
                .AddLeg("big", l => { l.Cluster = "shop"; l.Path = "/big"; l.MaxResponseBytes = 256 * 1024; }))
            .AddAggregate("quote", a => a
                .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; l.Output = AggregateLegOutput.None; })
                .AddLeg("quote", l => { l.Cluster = "shop"; l.Method = "POST"; l.Path = "/quotes"; l.Body = """{"customer":{order.customerId},"qty":{qty}}"""; l.Output = AggregateLegOutput.Merge; })));
        _gateway = builder.Build();
        _gateway.Urls.Add("http://127.0.0.1:0");
        var factory = _gateway.Services.GetRequiredService<IAggregateEndpointFactory>();
        _gateway.MapGet("/orders/{id}/details", factory.Create("order-details"));
        _gateway.MapGet("/broken/{id}", factory.Create("with-broken"));
        _gateway.MapGet("/slow/{id}", factory.Create("with-slow"));
        _gateway.MapGet("/slow-required", factory.Create("slow-required"));
        _gateway.MapGet("/big/{id}", factory.Create("with-big"));
        _gateway.MapPost("/quote/{id}", factory.Create("quote"));
        _gateway.MapEdgeKitAggregate("/v2/orders/{id}/details", "order-details");
        _gateway.MapGet("/unknown", factory.Create("nope"));
        await _gateway.StartAsync();
        string address = _gateway.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Dependent_legs_and_a_capped_fan_out_are_combined_and_credentials_reach_the_legs()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "orders/7/details");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0k3n");
        request.Headers.Add("Cookie", "session=s1");
        request.Headers.Add("X-Other", "not forwarded");

        using var response = await _client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json; charset=utf-8");
        body.Should().Be(string.Concat(
            """{"order":{"id":"7","customerId":"c-7","items":[{"productId":1},{"productId":2},{"productId":3},{"productId":4},{"productId":5},{"productId":6}]},""",
            """ "customer":{"id":"c-7","name":"Customer c-7"},""".TrimStart(),
            """ "products":[{"productId":1,"price":10},{"productId":2,"price":20},{"productId":3,"price":30},{"productId":4,"price":40},{"productId":5,"price":50},{"productId":6,"price":60}],""".TrimStart(),
            """ "me":{"authorization":"Bearer t0k3n","cookie":"session=s1","other":""}}""".TrimStart()));
        _backend.ProductRequests.Should().Be(6);
        _backend.MaxProductsInFlight.Should().Be(FanOutCap);
        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be("private, no-cache");
    }

    [Fact]
    public async Task MapEdgeKitAggregate_serves_the_same_aggregate()
    {
        using var response = await _client.GetAsync("v2/orders/8/details");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("customer").GetProperty("id").GetString().Should().Be("c-8");
    }

    [Fact]
    public async Task A_failing_required_leg_is_a_502_problem_naming_it()
    {
        using var response = await _client.GetAsync("broken/7");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Content.Headers.ContentType!.ToString().Should().Be("application/problem+json; charset=utf-8");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        (await response.Content.ReadAsStringAsync()).Should().Be(
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.3","title":"Bad Gateway","status":502,"detail":"The required leg 'broken' of aggregate 'with-broken' failed: the backend answered 500.","aggregate":"with-broken","leg":"broken","outcome":"bad_status","legStatus":500}""");
    }

    [Fact]
    public async Task A_slow_optional_leg_is_cut_at_its_timeout_and_reported_missing()
    {
        var watch = Stopwatch.StartNew();
        using var response = await _client.GetAsync("slow/3");
        watch.Stop();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().EndWith(""","slow":[],"_missing":["slow"]}""");
        response.Headers.GetValues("EdgeKit-Missing-Legs").Should().Equal("slow");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the slow backend takes 10 s; the leg's timeout is 200 ms");
    }

    [Fact]
    public async Task A_slow_required_leg_is_a_504_problem()
    {
        using var response = await _client.GetAsync("slow-required");

        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        (await response.Content.ReadAsStringAsync()).Should().Contain(
            "\"detail\":\"The required leg 'slow' of aggregate 'slow-required' failed: it did not complete within its timeout of 200 ms.\"");
    }

    [Fact]
    public async Task An_oversized_leg_is_stopped_at_its_bound_and_is_a_502_problem()
    {
        using var response = await _client.GetAsync("big/1");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        string body = await response.Content.ReadAsStringAsync();
        body.Should().Contain("\"detail\":\"The required leg 'big' of aggregate 'with-big' failed: the response of leg 'big' is larger than its bound of 262144 bytes.\"")
            .And.Contain("\"outcome\":\"too_large\"");
    }

    [Fact]
    public async Task A_post_endpoint_sends_a_post_leg_whose_body_uses_the_route_and_another_legs_values()
    {
        using var response = await _client.PostAsync("quote/9?qty=4", new StringContent(""));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"received":{"customer":"c-9","qty":"4"}}""");
    }

    [Fact]
    public async Task An_unknown_aggregate_is_a_500_problem()
    {
        using var response = await _client.GetAsync("unknown");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadAsStringAsync()).Should().Contain("No EdgeKit aggregate is named 'nope'.");
    }
}
