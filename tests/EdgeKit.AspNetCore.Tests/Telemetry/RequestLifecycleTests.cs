using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Client;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Telemetry;

/// <summary>
/// The one request lifecycle (<see cref="RequestLease"/>): the HttpClient balancing handler and the gateway's forwarder
/// and tunnels measure, name and count a request the same way.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class RequestLifecycleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Client_and_gateway_both_time_a_request_to_its_response_headers_not_to_the_end_of_its_body()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gates = new Gates();
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = gates.HandleAsync;
        string clientCluster = $"lc-client-{Guid.NewGuid():N}";
        string gatewayCluster = $"lc-gateway-{Guid.NewGuid():N}";
        using var measurements = new Measurements(clientCluster, gatewayCluster);
        using var cluster = new Cluster(clientCluster, [new Destination("d", new Uri(backend.Address))], environment: new ClusterEnvironment(time));
        using var client = new HttpClient(new BalancingHandler(cluster, new SocketsHttpHandler())) { BaseAddress = new Uri("http://orders/") };
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                [$"Clusters:{gatewayCluster}:Destinations:d:Address"] = backend.Address,
                ["Routes:r:Match:Path"] = "/{**rest}",
                ["Routes:r:Cluster"] = gatewayCluster,
            },
            b => b.Services.AddSingleton<TimeProvider>(time));

        await SlowBodyAsync(client, gates, time);
        await SlowBodyAsync(gateway.Client, gates, time);
        await measurements.WaitForAsync(gatewayCluster, "edgekit.balancer.request.duration");

        measurements.Values(clientCluster, "edgekit.balancer.request.duration").Should().Equal([2.0], "two seconds to the headers, ten more for the body");
        measurements.Values(gatewayCluster, "edgekit.balancer.request.duration").Should().Equal([2.0], "the gateway means the same: to the backend's headers");
        measurements.Values(gatewayCluster, "edgekit.balancer.active_requests").Sum().Should().Be(0);
        measurements.Values(clientCluster, "edgekit.balancer.active_requests").Sum().Should().Be(0);
    }

    private static async Task SlowBodyAsync(HttpClient client, Gates gates, FakeTimeProvider time)
    {
        gates.Reset();
        var call = client.GetAsync("/slow", HttpCompletionOption.ResponseHeadersRead);
        await gates.Arrived.Task.WaitAsync(Wait);
        time.Advance(TimeSpan.FromSeconds(2));
        gates.Headers.SetResult();
        using var response = await call.WaitAsync(Wait);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        time.Advance(TimeSpan.FromSeconds(10));
        gates.Body.SetResult();
        (await response.Content.ReadAsStringAsync().WaitAsync(Wait)).Should().Be("done");
    }

    [Fact]
    public async Task Client_and_gateway_name_a_refused_connection_and_a_503_the_same_way_and_end_with_nothing_in_flight()
    {
        await using var refusing = await EchoBackend.StartAsync();
        string refusedAddress = refusing.Address;
        await refusing.StopAsync();
        await using var unavailable = await EchoBackend.StartAsync();
        unavailable.Override = context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };
        string suffix = Guid.NewGuid().ToString("N");
        string[] clusters = [$"lc-c-refused-{suffix}", $"lc-c-503-{suffix}", $"lc-g-refused-{suffix}", $"lc-g-503-{suffix}"];
        using var measurements = new Measurements(clusters);
        using var refusedCluster = new Cluster(clusters[0], [new Destination("d", new Uri(refusedAddress))]);
        using var unavailableCluster = new Cluster(clusters[1], [new Destination("d", new Uri(unavailable.Address))]);
        using var refusedClient = new HttpClient(new BalancingHandler(refusedCluster, new SocketsHttpHandler())) { BaseAddress = new Uri("http://refused/") };
        using var unavailableClient = new HttpClient(new BalancingHandler(unavailableCluster, new SocketsHttpHandler())) { BaseAddress = new Uri("http://unavailable/") };
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            [$"Clusters:{clusters[2]}:Destinations:d:Address"] = refusedAddress,
            [$"Clusters:{clusters[3]}:Destinations:d:Address"] = unavailable.Address,
            ["Routes:refused:Match:Path"] = "/refused",
            ["Routes:refused:Cluster"] = clusters[2],
            ["Routes:unavailable:Match:Path"] = "/unavailable",
            ["Routes:unavailable:Cluster"] = clusters[3],
        });

        await refusedClient.Invoking(c => c.GetAsync("/x")).Should().ThrowAsync<HttpRequestException>();
        (await unavailableClient.GetAsync("/x")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await gateway.Client.GetAsync("/refused")).StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await gateway.Client.GetAsync("/unavailable")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        await measurements.WaitForAsync(clusters[3], "edgekit.balancer.requests");

        string Describe(string cluster) => string.Join(", ", measurements.Tags(cluster, "edgekit.balancer.requests").Select(t =>
            $"{t["edgekit.outcome"]} {t.GetValueOrDefault("http.response.status_code")} {t.GetValueOrDefault("error.type")}"));
        Describe(clusters[0]).Should().Be("failure  connection_error");
        Describe(clusters[2]).Should().Be("failure  connection_error", "the gateway names a refused connection as the client does");
        Describe(clusters[1]).Should().Be("failure 503 503");
        Describe(clusters[3]).Should().Be("failure 503 503", "and a 503 too");
        measurements.Tags(clusters[2], "edgekit.balancer.requests").Single()["edgekit.route"].Should().Be("refused");
        foreach (string cluster in clusters)
        {
            measurements.Values(cluster, "edgekit.balancer.active_requests").Sum().Should().Be(0, $"{cluster} has every +1 matched by its -1");
        }

        refusedCluster.Snapshot.AllDestinations.Single().InFlight.Should().Be(0);
        unavailableCluster.Snapshot.AllDestinations.Single().InFlight.Should().Be(0);
        var registry = gateway.Services.GetRequiredService<ClusterRegistry>();
        registry.GetCluster(clusters[2]).Snapshot.AllDestinations.Single().InFlight.Should().Be(0);
        registry.GetCluster(clusters[3]).Snapshot.AllDestinations.Single().InFlight.Should().Be(0);
    }

    [Theory]
    [InlineData("SocketsHttpHandler")]
    [InlineData("EdgeKit")]
    public async Task A_WebSocket_tunnel_reports_its_latency_to_the_101_not_its_lifetime(string transport)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string cluster = $"lc-ws-{Guid.NewGuid():N}";
        using var measurements = new Measurements(cluster);
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                [$"Clusters:{cluster}:Destinations:d:Address"] = backend.Address,
                [$"Clusters:{cluster}:HttpClient:RequestVersion"] = "1.1",
                [$"Clusters:{cluster}:HttpClient:Transport"] = transport,
                ["Routes:r:Match:Path"] = "/{**rest}",
                ["Routes:r:Cluster"] = cluster,
                ["Routes:r:UpgradeIdleTimeout"] = "02:00:00",
            },
            b => b.Services.AddSingleton<TimeProvider>(time));
        var destination = gateway.Services.GetRequiredService<ClusterRegistry>().GetCluster(cluster).Snapshot.AllDestinations.Single();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(gateway.Address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws"), CancellationToken.None).WaitAsync(Wait);

        // Opened (1430) once the tunnel runs under its idle timeout rather than the route's request timeout.
        await Forwarding.UpgradeForwarderTests.WaitForLogAsync(gateway, 1430);
        destination.InFlight.Should().Be(1, "an open tunnel is a request in flight");
        time.Advance(TimeSpan.FromMinutes(30));
        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).WaitAsync(Wait);
        var buffer = new byte[16];
        (await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Wait)).Count.Should().Be(3);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Wait);
        await measurements.WaitForAsync(cluster, "edgekit.balancer.request.duration");

        measurements.Values(cluster, "edgekit.balancer.request.duration").Should().Equal([0.0], "the fake clock did not move before the 101; the tunnel's thirty minutes are not latency");
        measurements.Tags(cluster, "edgekit.balancer.requests").Single()["http.response.status_code"].Should().Be(101);
        destination.InFlight.Should().Be(0);
        destination.TotalRequests.Should().Be(1);
        destination.GetLatencyEstimate(time.GetTimestamp(), time.TimestampFrequency).Should().BeLessThan(TimeSpan.FromMilliseconds(1),
            "PeakEwma must not learn the tunnel's lifetime as the destination's latency");
    }

    /// <summary>A backend response held at two points: before its headers, and between its headers and its body.</summary>
    private sealed class Gates
    {
        public TaskCompletionSource Arrived { get; private set; } = New();

        public TaskCompletionSource Headers { get; private set; } = New();

        public TaskCompletionSource Body { get; private set; } = New();

        public void Reset()
        {
            Arrived = New();
            Headers = New();
            Body = New();
        }

        public async Task HandleAsync(HttpContext context)
        {
            var headers = Headers;
            var body = Body;
            Arrived.SetResult();
            await headers.Task;
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.StartAsync();
            await context.Response.Body.FlushAsync();
            await body.Task;
            await context.Response.WriteAsync("done");
        }

        private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The balancer's measurements of the given clusters (every test reports to the same static meter).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Cluster, string Instrument, double Value, Dictionary<string, object?> Tags)> _all = new();
        private readonly ConcurrentDictionary<(string, string), TaskCompletionSource> _seen = new();

        public Measurements(params string[] clusters)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name.StartsWith("edgekit.balancer.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(clusters, instrument.Name, value, tags));
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(clusters, instrument.Name, value, tags));
            _listener.Start();
        }

        public IReadOnlyList<double> Values(string cluster, string instrument) =>
            [.. _all.Where(m => m.Cluster == cluster && m.Instrument == instrument).Select(m => m.Value)];

        public IReadOnlyList<Dictionary<string, object?>> Tags(string cluster, string instrument) =>
            [.. _all.Where(m => m.Cluster == cluster && m.Instrument == instrument).Select(m => m.Tags)];

        /// <summary>Completes when <paramref name="instrument"/> has recorded a measurement for <paramref name="cluster"/> (the gateway finishes after its client).</summary>
        public Task WaitForAsync(string cluster, string instrument) => Signal(cluster, instrument).Task.WaitAsync(Wait);

        public void Dispose() => _listener.Dispose();

        private TaskCompletionSource Signal(string cluster, string instrument) =>
            _seen.GetOrAdd((cluster, instrument), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        private void Add(string[] clusters, string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            if (dictionary.GetValueOrDefault("edgekit.cluster") is string cluster && clusters.Contains(cluster))
            {
                _all.Enqueue((cluster, instrument, value, dictionary));
                Signal(cluster, instrument).TrySetResult();
            }
        }
    }
}
