using System.Diagnostics;
using System.Net;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Client;

public class BalancingHandlerTests
{
    /// <summary>A terminal handler that never touches the network: it records what it saw and answers as told.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<Uri> Seen { get; } = [];

        public Func<HttpRequestMessage, Task<HttpResponseMessage>> Respond { get; set; } =
            r => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = r });

        public Action<HttpRequestMessage>? OnSend { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add(request.RequestUri!);
            OnSend?.Invoke(request);
            return Respond(request);
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            SendAsync(request, cancellationToken).GetAwaiter().GetResult();
    }

    private static (Cluster Cluster, RecordingHandler Terminal, HttpMessageInvoker Invoker) Create(
        string strategy = LoadBalancingStrategyNames.RoundRobin, int count = 3, TimeProvider? time = null, Action<LoadBalancingOptions>? configure = null)
    {
        var options = new LoadBalancingOptions { Strategy = strategy };
        configure?.Invoke(options);
        var cluster = new Cluster(
            "orders",
            Enumerable.Range(0, count).Select(i => new Destination($"d{i}", new Uri($"http://10.0.0.{i + 1}:8080/"))),
            options,
            new ClusterEnvironment(time, new Random(3)));
        var terminal = new RecordingHandler();
        return (cluster, terminal, new HttpMessageInvoker(new BalancingHandler(cluster, terminal)));
    }

    [Fact]
    public async Task Sends_to_a_destination_keeping_path_and_query()
    {
        var (_, terminal, invoker) = Create();

        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/items/7?expand=lines"), default);

        terminal.Seen.Should().ContainSingle().Which.AbsoluteUri.Should().MatchRegex(@"^http://10\.0\.0\.[1-3]:8080/items/7\?expand=lines$");
        response.RequestMessage!.RequestUri.Should().Be(terminal.Seen[0], "a success leaves the destination's URI on the request");
    }

    [Fact]
    public async Task Tracks_in_flight_during_the_request_and_latency_after_it()
    {
        var time = new FakeTimeProvider();
        var (cluster, terminal, invoker) = Create(count: 1, time: time);
        var destination = cluster.Snapshot.AllDestinations[0];
        var release = new TaskCompletionSource<HttpResponseMessage>();
        terminal.Respond = _ => release.Task;

        var sending = invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/"), default);
        destination.InFlight.Should().Be(1);
        time.Advance(TimeSpan.FromMilliseconds(250));
        release.SetResult(new HttpResponseMessage(HttpStatusCode.OK));
        (await sending).Dispose();

        destination.InFlight.Should().Be(0);
        destination.TotalRequests.Should().Be(1);
        destination.GetLatencyEstimate(time.GetTimestamp(), time.TimestampFrequency).Should().Be(TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task A_retry_of_a_failed_attempt_sees_the_logical_uri_and_avoids_the_failed_destination()
    {
        var (cluster, terminal, invoker) = Create(LoadBalancingStrategyNames.WeightedRoundRobin, count: 2);
        terminal.Respond = r => Task.FromResult(new HttpResponseMessage(r.RequestUri!.Host == "10.0.0.1" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/pay?id=1");

        // Weighted round robin with equal weights starts at d0, which fails.
        using (var first = await invoker.SendAsync(request, default))
        {
            first.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        request.RequestUri.Should().Be(new Uri("http://orders/pay?id=1"));

        // The sequence would now give d1 anyway; reset it so d0 comes up again and must be avoided.
        cluster.UpdateLoadBalancing(new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.RoundRobin });
        for (int i = 0; i < 5; i++)
        {
            using var retry = await invoker.SendAsync(request, default);
            retry.StatusCode.Should().Be(HttpStatusCode.OK);
            request.RequestUri = new Uri("http://orders/pay?id=1");
        }

        terminal.Seen.Skip(1).Should().OnlyContain(u => u.Host == "10.0.0.2");
        cluster.Snapshot.AllDestinations[0].TotalFailures.Should().Be(1);
    }

    [Fact]
    public async Task A_transport_failure_is_counted_rethrown_and_restores_the_logical_uri()
    {
        var (cluster, terminal, invoker) = Create(count: 1);
        terminal.Respond = _ => Task.FromException<HttpResponseMessage>(new HttpRequestException("connection refused"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/x");

        var act = () => invoker.SendAsync(request, default);

        await act.Should().ThrowAsync<HttpRequestException>().WithMessage("connection refused");
        request.RequestUri.Should().Be(new Uri("http://orders/x"));
        var state = cluster.Snapshot.AllDestinations[0];
        state.TotalFailures.Should().Be(1);
        state.InFlight.Should().Be(0);
    }

    [Fact]
    public async Task A_synchronous_throw_from_the_inner_handler_is_accounted_for()
    {
        var (cluster, terminal, invoker) = Create(count: 1);
        terminal.Respond = _ => throw new InvalidOperationException("boom");

        var act = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/x"), default);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("boom");
        cluster.Snapshot.AllDestinations[0].InFlight.Should().Be(0);
        cluster.Snapshot.AllDestinations[0].TotalFailures.Should().Be(1);
    }

    [Fact]
    public async Task A_cancellation_by_the_caller_never_counts_against_the_destination()
    {
        var (cluster, terminal, invoker) = Create(count: 1);
        using var cts = new CancellationTokenSource();
        terminal.Respond = _ =>
        {
            cts.Cancel();
            return Task.FromException<HttpResponseMessage>(new OperationCanceledException(cts.Token));
        };

        var act = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/x"), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        var state = cluster.Snapshot.AllDestinations[0];
        state.TotalFailures.Should().Be(0);
        state.TotalRequests.Should().Be(0);
        state.InFlight.Should().Be(0);
    }

    [Fact]
    public async Task A_timeout_the_caller_did_not_ask_for_counts_as_a_failure()
    {
        var (cluster, terminal, invoker) = Create(count: 1);
        terminal.Respond = _ => Task.FromException<HttpResponseMessage>(new TaskCanceledException("timed out"));

        var act = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/x"), default);

        await act.Should().ThrowAsync<TaskCanceledException>();
        cluster.Snapshot.AllDestinations[0].TotalFailures.Should().Be(1);
    }

    [Fact]
    public async Task No_destination_throws_a_clear_exception()
    {
        var (cluster, _, invoker) = Create(count: 2);
        cluster.UpdateHealth(new HealthOptions { PanicThreshold = 0 }); // no panic routing: unhealthy means unavailable
        foreach (var d in cluster.Snapshot.AllDestinations)
        {
            cluster.SetHealth(d, DestinationHealth.Unhealthy);
        }

        var act = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/x"), default);

        (await act.Should().ThrowAsync<NoAvailableDestinationException>())
            .WithMessage("Cluster 'orders' has no available destination: all 2 are unhealthy.")
            .Which.ClusterName.Should().Be("orders");

        var (_, _, empty) = Create(count: 0);
        var none = () => empty.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/x"), default);
        await none.Should().ThrowAsync<NoAvailableDestinationException>()
            .WithMessage("Cluster 'orders' has no destinations. Add destinations to it in code or configuration.");
    }

    [Fact]
    public async Task A_relative_uri_is_rejected_with_advice()
    {
        var (_, _, invoker) = Create();

        var act = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("/x", UriKind.Relative)), default);

        await act.Should().ThrowAsync<InvalidOperationException>()
            .WithMessage("EdgeKit cluster 'orders': the request URI '/x' is relative. Set HttpClient.BaseAddress (for example http://orders/) or use an absolute URI.");
    }

    [Fact]
    public async Task Hashing_strategies_and_key_sources_read_the_request_key()
    {
        var (cluster, terminal, invoker) = Create(LoadBalancingStrategyNames.RoundRobin, configure: o => o.RequestKey.Header = "X-User");
        cluster.Snapshot.UsesRequestKey.Should().BeTrue();
        var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/x");
        request.Headers.Add("X-User", "alice");

        (await invoker.SendAsync(request, default)).Dispose();

        terminal.Seen.Should().HaveCount(1);
    }

    [Fact]
    public void The_synchronous_path_balances_too()
    {
        var (cluster, terminal, invoker) = Create(count: 1);

        using var response = invoker.Send(new HttpRequestMessage(HttpMethod.Get, "http://orders/sync"), default);

        terminal.Seen.Should().ContainSingle().Which.Should().Be(new Uri("http://10.0.0.1:8080/sync"));
        cluster.Snapshot.AllDestinations[0].TotalRequests.Should().Be(1);
    }

    [Fact]
    public async Task A_request_that_finds_no_available_destination_is_counted_for_its_cluster()
    {
        string name = "empty-" + Guid.NewGuid().ToString("N");
        using var cluster = new Cluster(name);   // no destinations (yet, e.g. before service discovery resolves)
        using var recorder = new MeasurementRecorder(name);
        using var invoker = new HttpMessageInvoker(new BalancingHandler(cluster, new RecordingHandler()));

        var sending = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{name}/"), default);

        await sending.Should().ThrowAsync<NoAvailableDestinationException>();
        var measured = recorder.Of("edgekit.balancer.no_destination").Should().ContainSingle().Subject;
        measured.Value.Should().Be(1);
        measured.Unit.Should().Be("{request}");
        measured.Tags.Should().BeEquivalentTo(new Dictionary<string, object?> { ["edgekit.cluster"] = name });
        recorder.Of("edgekit.balancer.requests").Should().BeEmpty("nothing was sent");
    }

    [Fact]
    public async Task Each_attempt_gets_an_edgekit_balance_span_under_the_callers_tagged_with_cluster_destination_and_status()
    {
        string name = "spans-" + Guid.NewGuid().ToString("N");
        using var cluster = new Cluster(
            name,
            [new Destination("d0", new Uri("http://10.0.0.1:8080/")), new Destination("d1", new Uri("http://10.0.0.2:8080/"))],
            new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.RoundRobin });
        var terminal = new RecordingHandler();
        terminal.Respond = r => Task.FromResult(new HttpResponseMessage(terminal.Seen.Count == 1 ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable) { RequestMessage = r });
        using var recorder = new SpanRecorder("edgekit.cluster", name);
        using var invoker = new HttpMessageInvoker(new BalancingHandler(cluster, terminal));
        using var caller = new Activity("caller").Start();

        (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{name}/a"), default)).Dispose();
        (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{name}/b"), default)).Dispose();

        var spans = recorder.Spans;
        spans.Should().HaveCount(2);
        spans.Should().OnlyContain(s => s.OperationName == "edgekit.balance" && s.Source.Name == "EdgeKit" && s.ParentSpanId == caller.SpanId);
        var first = spans.Single(s => (int?)s.GetTagItem("http.response.status_code") == 200);
        var second = spans.Single(s => (int?)s.GetTagItem("http.response.status_code") == 503);
        new[] { first.GetTagItem("edgekit.destination"), second.GetTagItem("edgekit.destination") }.Should().BeEquivalentTo(new[] { "d0", "d1" });
        first.Status.Should().Be(ActivityStatusCode.Unset);
        second.Status.Should().Be(ActivityStatusCode.Error);
        first.GetTagItem("edgekit.destination").Should().Be(terminal.Seen[0].Host == "10.0.0.1" ? "d0" : "d1", "the span names the destination the attempt went to");
    }
}
