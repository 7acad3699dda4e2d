using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

/// <summary>
/// Issue 19, deliverable 1: a route's <c>Retry</c> runs its requests through the same Polly-based resilience pipeline as
/// an HttpClient's <c>AddEdgeKitResilience()</c>, against real Kestrel backends on 127.0.0.1 that are stopped (their
/// port refuses), close connections without answering, hang, or answer 503.
/// </summary>
[CollectionDefinition(nameof(GatewayRetryTests), DisableParallelization = true)]
public sealed class GatewayRetryCollection;

/// <remarks>Alone in their collection: the metric and span listeners would otherwise see other tests' requests.</remarks>
[Collection(nameof(GatewayRetryTests))]
public sealed class GatewayRetryTests
{
    private static Dictionary<string, string?> Settings(IEnumerable<string> addresses, params (string Key, string? Value)[] retry)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:LoadBalancing:Strategy"] = "RoundRobin",
            ["Clusters:c:HttpClient:RequestVersion"] = "1.1",
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
            // Backoffs short enough for a test; the rest are the defaults.
            ["Routes:r:Retry:BaseDelay"] = "00:00:00.001",
            ["Routes:r:Retry:MaxDelay"] = "00:00:00.002",
            // A small cluster with one dead destination of two needs retries for half of its requests at first: the
            // default budget (20 % of active requests, at least 3) is meant for large ones (see docs/gateway.md).
            ["Routes:r:Retry:RetryBudget:BudgetPercent"] = "100",
        };
        int index = 0;
        foreach (string address in addresses)
        {
            settings[$"Clusters:c:Destinations:d{++index}:Address"] = address;
        }

        foreach (var (key, value) in retry)
        {
            settings["Routes:r:Retry:" + key] = value;
        }

        return settings;
    }

    /// <summary>An address on 127.0.0.1 whose port refuses connections (bound, then released).</summary>
    private static string DeadAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private static async Task<(int Ok, List<string> Failures)> LoadAsync(HttpClient client, int requests, int concurrency, Func<int, HttpRequestMessage> create)
    {
        int ok = 0;
        var failures = new ConcurrentBag<string>();
        int next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                using var request = create(i);
                try
                {
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        });
        await Task.WhenAll(workers);
        return (ok, failures.ToList());
    }

    [Fact]
    public async Task A_stopped_backend_costs_no_failed_GET_under_concurrent_load()
    {
        await using var live = await EchoBackend.StartAsync("live");
        await using var doomed = await EchoBackend.StartAsync("doomed");
        await using var gateway = await GatewayHost.StartAsync(Settings([live.Address, doomed.Address]));
        var warm = await LoadAsync(gateway.Client, 20, 4, i => new HttpRequestMessage(HttpMethod.Get, $"/warm/{i}"));
        warm.Ok.Should().Be(20);
        doomed.Requests.Should().BeGreaterThan(0);

        // Killed: its listener closes, its kept-alive connections with it.
        await doomed.StopAsync();
        var run = await LoadAsync(gateway.Client, 300, 16, i => new HttpRequestMessage(HttpMethod.Get, $"/items/{i}"));

        run.Failures.Should().BeEmpty();
        run.Ok.Should().Be(300);
    }

    [Fact]
    public async Task Without_Retry_the_same_stopped_backend_fails_requests()
    {
        await using var live = await EchoBackend.StartAsync("live");
        var settings = Settings([live.Address, DeadAddress()]);
        foreach (string key in settings.Keys.Where(k => k.StartsWith("Routes:r:Retry:", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        await using var gateway = await GatewayHost.StartAsync(settings);

        var run = await LoadAsync(gateway.Client, 10, 1, i => new HttpRequestMessage(HttpMethod.Get, $"/items/{i}"));

        run.Failures.Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_GET_whose_backend_closes_without_answering_is_retried_on_another_destination_and_delivered_there_once()
    {
        await using var dropping = DroppingBackend.Start();
        await using var live = await EchoBackend.StartAsync("live");
        await using var gateway = await GatewayHost.StartAsync(Settings([dropping.Address, live.Address]));

        var run = await LoadAsync(gateway.Client, 40, 8, i => new HttpRequestMessage(HttpMethod.Get, $"/get/{i}"));

        run.Failures.Should().BeEmpty();
        run.Ok.Should().Be(40);
        // Each GET reached the dropping backend at most once (no hidden resends) and the live one exactly once.
        Enumerable.Range(0, 40).Sum(i => dropping.Deliveries($"/get/{i}")).Should().BeInRange(1, 40);
        Enumerable.Range(0, 40).All(i => dropping.Deliveries($"/get/{i}") <= 1).Should().BeTrue();
        live.Received.Select(r => r["path"]!.GetValue<string>()).Should().OnlyHaveUniqueItems().And.HaveCount(40);
    }

    [Fact]
    public async Task A_POST_that_reached_a_backend_closing_without_answering_is_never_sent_again()
    {
        await using var dropping = DroppingBackend.Start();
        await using var live = await EchoBackend.StartAsync("live");
        await using var gateway = await GatewayHost.StartAsync(Settings([dropping.Address, live.Address]));

        var run = await LoadAsync(gateway.Client, 20, 4, i => new HttpRequestMessage(HttpMethod.Post, $"/post/{i}") { Content = new StringContent($"{{\"n\":{i}}}", Encoding.UTF8, "application/json") });

        // Every POST reached exactly one backend exactly once: those that reached the dropping one failed with 502.
        for (int i = 0; i < 20; i++)
        {
            int atLive = live.Received.Count(r => r["path"]!.GetValue<string>() == $"/post/{i}");
            (dropping.Deliveries($"/post/{i}") + atLive).Should().Be(1, $"POST /post/{i} is delivered once");
        }

        int dropped = Enumerable.Range(0, 20).Sum(i => dropping.Deliveries($"/post/{i}"));
        dropped.Should().BeGreaterThan(0);
        run.Failures.Should().HaveCount(dropped);
        run.Failures.Should().AllSatisfy(f => f.Should().StartWith("502 {\"type\":\"urn:edgekit:problem:bad-gateway\""));
    }

    [Fact]
    public async Task A_POST_whose_connection_was_refused_is_retried_and_delivered_once()
    {
        await using var live = await EchoBackend.StartAsync("live");
        await using var gateway = await GatewayHost.StartAsync(Settings([DeadAddress(), live.Address]));

        var run = await LoadAsync(gateway.Client, 40, 8, i => new HttpRequestMessage(HttpMethod.Post, $"/post/{i}") { Content = new StringContent(new string('x', 100_000 + i)) });

        run.Failures.Should().BeEmpty();
        // Bodies above MaxReplayBodySize are streamed, yet a refused connection read none of it: sent again, whole, once.
        live.Received.Select(r => r["path"]!.GetValue<string>()).Should().OnlyHaveUniqueItems().And.HaveCount(40);
        live.Received.Should().AllSatisfy(r => r["bodyLength"]!.GetValue<long>().Should().Be(100_000 + int.Parse(r["path"]!.GetValue<string>()["/post/".Length..])));
    }

    [Theory]
    [InlineData(64 * 1024, true)]
    [InlineData(4, false)]
    public async Task A_PUT_body_is_replayed_only_within_MaxReplayBodySize(long limit, bool replayed)
    {
        await using var dropping = DroppingBackend.Start();
        await using var live = await EchoBackend.StartAsync("live");
        await using var gateway = await GatewayHost.StartAsync(Settings([dropping.Address, live.Address], ("MaxReplayBodySize", limit.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // Round robin over two destinations: some of the PUTs go to the dropping backend first.
        var run = await LoadAsync(gateway.Client, 4, 1, i => new HttpRequestMessage(HttpMethod.Put, $"/put/{i}") { Content = new StringContent("0123456789") });

        int dropped = Enumerable.Range(0, 4).Sum(i => dropping.Deliveries($"/put/{i}"));
        dropped.Should().BeGreaterThan(0);
        run.Failures.Should().HaveCount(replayed ? 0 : dropped);
        live.Received.Should().HaveCount(replayed ? 4 : 4 - dropped).And.AllSatisfy(r => r["body"]!.GetValue<string>().Should().Be("0123456789"));
    }

    [Fact]
    public async Task A_backend_answering_503_is_retried_elsewhere_and_when_every_one_does_the_last_503_is_passed_on()
    {
        await using var failing = await EchoBackend.StartAsync("failing");
        failing.Override = context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers["X-Backend"] = "failing";
            return context.Response.WriteAsync("busy");
        };
        await using var live = await EchoBackend.StartAsync("live");
        await using var gateway = await GatewayHost.StartAsync(Settings([failing.Address, live.Address]));

        var run = await LoadAsync(gateway.Client, 40, 8, i => new HttpRequestMessage(HttpMethod.Get, $"/g/{i}"));
        run.Failures.Should().BeEmpty();
        failing.Requests.Should().BeGreaterThan(0);

        live.Override = failing.Override;
        using var response = await gateway.Client.GetAsync("/all-busy");
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).Should().Be("busy");
    }

    [Fact]
    public async Task A_hanging_backend_is_cut_off_by_the_per_try_timeout_and_the_request_answered_by_another()
    {
        await using var hanging = await EchoBackend.StartAsync("hanging");
        hanging.Override = context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        await using var live = await EchoBackend.StartAsync("live");
        // The gateway's clock (per-try timeout, backoff, route timeout) is the test's: a try times out when the test says.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync(
            Settings([hanging.Address, live.Address], ("AttemptTimeout", "00:00:00.200"), ("BaseDelay", "00:00:00"), ("MaxDelay", "00:00:00")),
            builder => builder.Services.AddSingleton<TimeProvider>(time));

        int cutOff = 0;
        for (int i = 0; i < 4; i++)
        {
            int before = hanging.Requests;
            var sending = gateway.Client.GetAsync($"/h/{i}");
            while (!sending.IsCompleted && hanging.Requests == before)
            {
                await Task.Delay(5);
            }

            if (!sending.IsCompleted)
            {
                // The hanging backend holds the first try: its 200 ms run out, the retry goes to the live one.
                time.Advance(TimeSpan.FromMilliseconds(200));
                cutOff++;
            }

            using var response = await sending.WaitAsync(TimeSpan.FromSeconds(10));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.GetValues("X-Backend").Should().Equal("live");
        }

        // Round robin sends some of the four to the hanging backend first.
        cutOff.Should().BeGreaterThan(0);
        hanging.Requests.Should().Be(cutOff);
        live.Requests.Should().Be(4);
    }

    [Fact]
    public async Task When_every_destination_refuses_the_client_gets_the_exact_502_problem_after_every_attempt()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings([DeadAddress(), DeadAddress(), DeadAddress()]));
        using var attempts = new AttemptRecorder();

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Content.Headers.ContentType!.ToString().Should().Be("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem.Select(p => p.Key).Should().Equal("type", "title", "status", "detail", "traceId");
        problem["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:backend-unreachable");
        problem["title"]!.GetValue<string>().Should().Be("Bad gateway");
        problem["status"]!.GetValue<int>().Should().Be(502);
        problem["detail"]!.GetValue<string>().Should().Be("The service could not be reached.");
        // The first attempt and MaxRetryAttempts (2) retries, each on a destination not tried before.
        attempts.Attempts.Should().Equal(3);
        attempts.Destinations.Should().OnlyHaveUniqueItems().And.HaveCount(3);
    }

    [Fact]
    public async Task Each_attempt_is_a_child_span_of_the_forward_span_and_counted_in_the_attempts_metric()
    {
        await using var live = await EchoBackend.StartAsync("live");
        await using var gateway = await GatewayHost.StartAsync(Settings([DeadAddress(), live.Address]));
        using var attempts = new AttemptRecorder();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EdgeKitTelemetry.ActivitySource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        int twoAttempts = 0;
        for (int i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.GetAsync($"/s/{i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var forward = spans.Where(s => s.OperationName == RequestLease.ForwardSpanName).ToList();
        forward.Should().HaveCount(4);
        foreach (var parent in forward)
        {
            var children = spans.Where(s => s.OperationName == "edgekit.forward.attempt" && s.ParentSpanId == parent.SpanId).ToList();
            children.Should().NotBeEmpty();
            parent.GetTagItem("edgekit.attempts").Should().Be(children.Count);
            parent.GetTagItem("http.response.status_code").Should().Be(200);
            if (children.Count == 2)
            {
                twoAttempts++;
                children.Select(c => c.GetTagItem("error.type")).Should().Equal(new object?[] { "connection_error", null });
            }
        }

        // Round robin sends some requests to the refusing destination first: those took two attempts, the others one.
        twoAttempts.Should().BeGreaterThan(0);
        attempts.Attempts.Should().HaveCount(4).And.OnlyContain(a => a == 1 || a == 2);
        attempts.Attempts.Count(a => a == 2).Should().Be(twoAttempts);
    }

    [Fact]
    public async Task A_response_whose_headers_went_to_the_client_is_never_retried()
    {
        await using var breaking = await EchoBackend.StartAsync("breaking");
        breaking.Override = async context =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("partial");
            await context.Response.Body.FlushAsync();
            // Long enough for the gateway to pass the headers on (it does when the backend pauses) before the reset.
            await Task.Delay(200);
            context.Abort();
        };
        await using var gateway = await GatewayHost.StartAsync(Settings([breaking.Address]));

        var act = async () =>
        {
            using var response = await gateway.Client.GetAsync("/b", HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            await response.Content.ReadAsStringAsync();
        };

        await act.Should().ThrowAsync<HttpRequestException>();
        breaking.Requests.Should().Be(1);
    }

    [Fact]
    public async Task Hedging_sends_a_second_attempt_elsewhere_the_first_answer_wins_and_the_loser_is_cancelled()
    {
        var slowCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await EchoBackend.StartAsync("slow");
        slow.Override = async context =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                slowCancelled.TrySetResult();
            }
        };
        await using var fast = await EchoBackend.StartAsync("fast");
        var settings = Settings([slow.Address, fast.Address], ("Hedging:Enabled", "true"), ("Hedging:Delay", "00:00:00.300"));
        await using var gateway = await GatewayHost.StartAsync(settings);
        var completed = new ConcurrentQueue<(string Destination, string Outcome)>();
        using var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EdgeKitTelemetry.Meter.Name && instrument.Name == "edgekit.balancer.requests")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? destination = null, outcome = null;
            foreach (var tag in tags)
            {
                destination = tag.Key == "edgekit.destination" ? (string?)tag.Value : destination;
                outcome = tag.Key == "edgekit.outcome" ? (string?)tag.Value : outcome;
            }

            completed.Enqueue((destination!, outcome!));
        });
        meter.Start();

        // Two GETs: round robin sends at least one of them to the slow backend first; its hedge goes to the fast one.
        for (int i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.GetAsync($"/h/{i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.GetValues("X-Backend").Should().Equal("fast");
        }

        await slowCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        slow.Requests.Should().BeGreaterThan(0);
        completed.Count(c => c == ("d1", "cancelled")).Should().Be(slow.Requests);
        completed.Should().NotContain(c => c.Destination == "d1" && c.Outcome != "cancelled");
        completed.Count(c => c == ("d2", "success")).Should().Be(2);
    }

    [Fact]
    public async Task A_whole_cluster_refusing_logs_one_warning_per_interval_with_the_count_not_one_per_request()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d1:Address"] = DeadAddress(),
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        });

        for (int i = 0; i < 20; i++)
        {
            using var response = await gateway.Client.GetAsync($"/x/{i}");
            response.StatusCode.Should().BeOneOf(HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable);
        }

        var warnings = gateway.Logs.Entries.Where(e => e.EventId is 1403 or 1404).ToList();
        warnings.Should().ContainSingle();
        warnings[0].Message.Should().Be(
            $"Route 'r': connecting to destination 'd1' of cluster 'c' failed. 1 failed requests of the cluster since the last such warning (logged at most every {TimeSpan.FromSeconds(10)}; metrics count each one).");
    }

    [Theory]
    [InlineData("RetryOn", "connect-failure,bogus", "EdgeKit:Routes:r:Retry: RetryOn 'connect-failure,bogus' names the unknown condition 'bogus'; known: connect-failure, reset, timeout, retriable-status-codes, gateway-error, 5xx.")]
    [InlineData("MaxReplayBodySize", "-1", "EdgeKit:Routes:r:Retry: MaxReplayBodySize must be 0 or more, was -1.")]
    [InlineData("MaxRetryAttempts", "11", "EdgeKit:Routes:r:Retry: MaxRetryAttempts must be between 0 (no retries) and 10, was 11.")]
    [InlineData("RetryableStatuses", "200", "EdgeKit:Routes:r:Retry: RetryableStatuses '200' lists 200; only error statuses (400 to 599) can be retried.")]
    public async Task A_bad_Retry_setting_fails_the_start_naming_its_key(string key, string value, string error)
    {
        var errors = await StrictConfigurationTests.StartFails(Settings(["http://127.0.0.1:1"], (key, value)));

        errors.Should().Equal(error);
    }

    /// <summary>Collects <c>edgekit.resilience.attempts</c> and the destinations of <c>edgekit.balancer.requests</c> while alive.</summary>
    private sealed class AttemptRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<long> _attempts = new();
        private readonly ConcurrentQueue<string> _destinations = new();

        public AttemptRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EdgeKitTelemetry.Meter.Name && instrument.Name is "edgekit.resilience.attempts" or "edgekit.balancer.requests")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "edgekit.resilience.attempts")
                {
                    _attempts.Enqueue(value);
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "edgekit.destination")
                    {
                        _destinations.Enqueue((string)tag.Value!);
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<long> Attempts => [.. _attempts];

        public IReadOnlyList<string> Destinations => [.. _destinations];

        public void Dispose() => _listener.Dispose();
    }
}
