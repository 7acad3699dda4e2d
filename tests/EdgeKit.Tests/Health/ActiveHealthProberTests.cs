using System.Net;
using System.Security.Authentication;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Health;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Health;

/// <summary>
/// The active health prober against a fake clock and a fake network: every round is started by moving the clock
/// and observed through the prober's round hook, so nothing here sleeps or depends on timing.
/// </summary>
public sealed class ActiveHealthProberTests : IAsyncLifetime
{
    private const string Orders = "orders";
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_interval = ActiveHealthCheckOptions.DefaultInterval;
    private static readonly TimeSpan s_timeout = ActiveHealthCheckOptions.DefaultTimeout;

    private readonly FakeTimeProvider _time = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly FakeProbeHandler _handler = new();
    private readonly List<ActiveHealthProber> _probers = [];
    private int _handlersCreated;

    public ActiveHealthProberTests()
    {
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var prober in _probers)
        {
            await prober.DisposeAsync();
        }

        _loggerFactory.Dispose();
    }

    [Fact]
    public void The_option_defaults_are_the_documented_ones()
    {
        var options = new ActiveHealthCheckOptions();

        options.Enabled.Should().BeFalse();
        options.Path.Should().Be("/healthz");
        options.Interval.Should().Be(TimeSpan.FromSeconds(2));
        options.Timeout.Should().Be(TimeSpan.FromSeconds(1));
        options.HealthyStatuses.Should().Be("200-399");
        options.HealthyThreshold.Should().Be(2);
        options.UnhealthyThreshold.Should().Be(3);
        options.MaxConcurrency.Should().Be(16);
    }

    [Fact]
    public void Probes_use_their_own_handler_without_cookies_redirects_decompression_proxy_or_trace_headers()
    {
        using var handler = ActiveHealthProber.CreateHandler();

        handler.UseCookies.Should().BeFalse();
        handler.AllowAutoRedirect.Should().BeFalse();
        handler.AutomaticDecompression.Should().Be(DecompressionMethods.None);
        handler.UseProxy.Should().BeFalse();
        handler.ActivityHeadersPropagator.Should().BeNull();
        handler.PooledConnectionLifetime.Should().Be(TimeSpan.FromSeconds(30));
        handler.PooledConnectionIdleTimeout.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_first_round_probes_every_destination_at_start_without_waiting_for_the_clock()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a", "b")));
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);

        await prober.StartAsync(CancellationToken.None);

        (await round).Should().Be(s_interval, "the next round starts one interval after this one started");
        _handler.Received.Should().HaveCount(2);
        _handler.Uris.Should().BeEquivalentTo("http://a:8080/healthz", "http://b:8080/healthz");
        _handler.Received.Should().AllSatisfy(r =>
        {
            r.Method.Should().Be("GET");
            r.UserAgent.Should().Be(ActiveHealthProber.UserAgent);
        });
        prober.ProbedClusters.Should().Equal(Orders);
    }

    [Fact]
    public async Task A_destination_turns_healthy_after_two_passing_probes_and_unhealthy_after_three_failing_ones_by_default()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a", "b")));
        var healthy = new HashSet<string> { "b" };
        _handler.Respond = FakeProbeHandler.AnswerByHost(host => healthy.Contains(host) ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable);
        var prober = Prober(registry);
        var a = State(registry, "a");
        var b = State(registry, "b");
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;

        (a.ActiveHealth, a.ConsecutiveProbeFailures).Should().Be((DestinationHealth.Unknown, 1));
        (b.ActiveHealth, b.ConsecutiveProbeSuccesses).Should().Be((DestinationHealth.Unknown, 1));

        await RoundsAsync(prober, 1);
        a.ActiveHealth.Should().Be(DestinationHealth.Unknown, "two failures are below the unhealthy threshold of 3");
        b.ActiveHealth.Should().Be(DestinationHealth.Healthy, "two passes reach the healthy threshold of 2");

        await RoundsAsync(prober, 1);
        a.ActiveHealth.Should().Be(DestinationHealth.Unhealthy);
        registry.GetCluster(Orders).Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("b");

        healthy.Add("a");
        await RoundsAsync(prober, 1);
        a.ActiveHealth.Should().Be(DestinationHealth.Unhealthy, "one pass is below the healthy threshold");
        await RoundsAsync(prober, 1);
        a.ActiveHealth.Should().Be(DestinationHealth.Healthy);
        registry.GetCluster(Orders).Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("a", "b");

        _logs.WithEventId(1001).Select(e => e.Message).Should().Equal(
            "Cluster 'orders': destination 'b' went from Unknown to Healthy (active-probe).",
            "Cluster 'orders': destination 'a' went from Unknown to Unhealthy (active-probe).",
            "Cluster 'orders': destination 'a' went from Unhealthy to Healthy (active-probe).");
        _logs.WithEventId(1030).Should().HaveCount(3).And.AllSatisfy(e =>
        {
            e.Level.Should().Be(LogLevel.Debug);
            e.Message.Should().Be("Cluster 'orders': health probe of destination 'a' (http://a:8080/healthz) failed: status 503 is not a healthy status.");
        });
    }

    [Fact]
    public async Task An_ejected_destination_is_readmitted_within_interval_times_rise_and_its_probes_are_logged_and_shown()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a", "b", "c")));
        _handler.Respond = FakeProbeHandler.AnswerByHost(_ => HttpStatusCode.OK);
        var prober = Prober(registry);
        var cluster = registry.GetCluster(Orders);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;
        var a = State(registry, "a");
        for (int i = 0; i < 5; i++)
        {
            cluster.Begin(a).Complete(RequestOutcome.Failure, 0, RequestErrorTypes.ConnectionError);
        }

        var ejectedAt = _time.GetUtcNow();
        a.IsEjected.Should().BeTrue();

        await RoundsAsync(prober, 1);
        a.IsEjected.Should().BeTrue("one pass is below the rise count of 2");
        var status = cluster.GetStatus().Destinations[0];
        (status.EjectionReason, status.EjectedUntil, status.ConsecutiveProbeSuccesses, status.LastProbeAt, status.LastProbePassed, status.LastProbeResult)
            .Should().Be(("connect-failure", ejectedAt + TimeSpan.FromSeconds(30), 1, _time.GetUtcNow(), true, "status 200"));

        await RoundsAsync(prober, 1);
        a.IsEjected.Should().BeFalse();
        (_time.GetUtcNow() - ejectedAt).Should().Be(s_interval * 2, "readmitted within one probe interval × rise, not after the 30 s ejection");
        cluster.Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("a", "b", "c");
        _logs.WithEventId(1032).Should().AllSatisfy(e => e.Level.Should().Be(LogLevel.Information));
        _logs.WithEventId(1032).Select(e => e.Message).Should().Equal(
            "Cluster 'orders': health probe of destination 'a', out of rotation (ejected: connect-failure), passed: status 200; 1 passed in a row.",
            "Cluster 'orders': health probe of destination 'a', out of rotation (ejected: connect-failure), passed: status 200; 2 passed in a row.");
        _logs.WithEventId(1021).Single().Message.Should().Be("Cluster 'orders': destination 'a' readmitted (active-probe-healthy).");
    }

    [Fact]
    public async Task The_thresholds_come_from_the_options()
    {
        var registry = Registry((Orders, Cluster(probing: true, o => (o.HealthyThreshold, o.UnhealthyThreshold) = (3, 1), "a")));
        _handler.Respond = FakeProbeHandler.Answer(HttpStatusCode.InternalServerError);
        var prober = Prober(registry);
        var a = State(registry, "a");
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;
        a.ActiveHealth.Should().Be(DestinationHealth.Unhealthy, "one failure is enough with an unhealthy threshold of 1");

        _handler.Respond = FakeProbeHandler.Answer(HttpStatusCode.OK);
        await RoundsAsync(prober, 2);
        a.ActiveHealth.Should().Be(DestinationHealth.Unhealthy);
        await RoundsAsync(prober, 1);
        a.ActiveHealth.Should().Be(DestinationHealth.Healthy);
    }

    [Theory]
    [InlineData("200-399", 200, true)]
    [InlineData("200-399", 302, true)]
    [InlineData("200-399", 399, true)]
    [InlineData("200-399", 400, false)]
    [InlineData("200-399", 404, false)]
    [InlineData("200-399", 500, false)]
    [InlineData("200-399", 503, false)]
    [InlineData("200-299,304", 204, true)]
    [InlineData("200-299,304", 304, true)]
    [InlineData("200-299,304", 301, false)]
    [InlineData("200", 200, true)]
    [InlineData("200", 201, false)]
    public async Task A_probe_passes_only_with_a_status_in_HealthyStatuses(string healthyStatuses, int status, bool passes)
    {
        var registry = Registry((Orders, Cluster(probing: true, o => o.HealthyStatuses = healthyStatuses, "a")));
        _handler.Respond = FakeProbeHandler.Answer((HttpStatusCode)status);
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);

        await prober.StartAsync(CancellationToken.None);
        await round;

        var a = State(registry, "a");
        (a.ConsecutiveProbeSuccesses, a.ConsecutiveProbeFailures).Should().Be(passes ? (1, 0) : (0, 1));
    }

    [Fact]
    public async Task A_probe_without_an_answer_within_the_timeout_fails_when_the_clock_reaches_the_timeout()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a")));
        _handler.Respond = FakeProbeHandler.Hang();
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await _handler.WaitForArrivalsAsync(1);
        var token = _handler.Received[0].Token;

        _time.Advance(s_timeout - TimeSpan.FromTicks(1));
        token.IsCancellationRequested.Should().BeFalse("the timeout has not elapsed");
        _time.Advance(TimeSpan.FromTicks(1));
        token.IsCancellationRequested.Should().BeTrue();

        (await round).Should().Be(s_interval - s_timeout, "the next round starts one interval after this one started");
        _handler.Cancelled.Should().Be(1);
        State(registry, "a").ConsecutiveProbeFailures.Should().Be(1);
        _logs.WithEventId(1030).Select(e => e.Message).Should().Equal(
            "Cluster 'orders': health probe of destination 'a' (http://a:8080/healthz) failed: no response within 00:00:01.");
    }

    [Fact]
    public async Task A_transport_error_fails_the_probe_and_its_log_gives_every_inner_message()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a", "b")));
        _handler.Respond = (request, _) => request.RequestUri!.Host == "a"
            ? Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused (a:8080)"))
            : Task.FromException<HttpResponseMessage>(new HttpRequestException(
                "The SSL connection could not be established, see inner exception.",
                new AuthenticationException("The remote certificate is invalid.")));
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);

        await prober.StartAsync(CancellationToken.None);
        await round;

        State(registry, "a").ConsecutiveProbeFailures.Should().Be(1);
        State(registry, "b").ConsecutiveProbeFailures.Should().Be(1);
        _logs.WithEventId(1030).Select(e => e.Message).Should().BeEquivalentTo(
            "Cluster 'orders': health probe of destination 'a' (http://a:8080/healthz) failed: HttpRequestException: Connection refused (a:8080).",
            "Cluster 'orders': health probe of destination 'b' (http://b:8080/healthz) failed: HttpRequestException: The SSL connection could not be established, see inner exception ---> AuthenticationException: The remote certificate is invalid.");
    }

    [Theory]
    [InlineData("http://h:8080", null, "/healthz", "http://h:8080/healthz")]
    [InlineData("http://h:8080/", null, "/healthz", "http://h:8080/healthz")]
    [InlineData("http://h:8080/api/v1/", null, "/healthz", "http://h:8080/api/v1/healthz")]
    [InlineData("http://h:8080/api/v1", null, "/healthz", "http://h:8080/api/v1/healthz")]
    [InlineData("https://h/api", null, "/status?full=1", "https://h/api/status?full=1")]
    [InlineData("http://h:8080/a%20b/", null, "/healthz", "http://h:8080/a%20b/healthz")]
    [InlineData("http://h:8080/api/", "http://h:9090", "/healthz", "http://h:9090/healthz")]
    [InlineData("http://h:8080/api/", "http://h:9090/mgmt/", "/healthz", "http://h:9090/mgmt/healthz")]
    [InlineData("http://h:8080/", "https://mgmt.h:9443/x", "/ready", "https://mgmt.h:9443/x/ready")]
    public void The_probe_address_joins_the_path_to_the_health_address_or_address_keeping_its_path_prefix(
        string address, string? healthAddress, string path, string expected)
    {
        var destination = new Destination("d", new Uri(address), healthAddress: healthAddress is null ? null : new Uri(healthAddress));

        ActiveHealthProber.BuildProbeUri(destination, path).AbsoluteUri.Should().Be(expected);
    }

    [Fact]
    public async Task Probes_go_to_the_health_address_when_a_destination_has_one_and_keep_the_path_prefix()
    {
        var cluster = Cluster(probing: true, o => o.Path = "/healthz/ready");
        cluster.Destinations["a"] = new DestinationOptions { Address = "http://10.0.0.1:8080/api/", HealthAddress = "http://10.0.0.1:9090/mgmt/" };
        cluster.Destinations["b"] = new DestinationOptions { Address = "http://10.0.0.2:8080/base" };
        cluster.Destinations["c"] = new DestinationOptions { Address = "http://10.0.0.3:8080" };
        var registry = Registry((Orders, cluster));
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);

        await prober.StartAsync(CancellationToken.None);
        await round;

        _handler.Uris.Should().BeEquivalentTo(
            "http://10.0.0.1:9090/mgmt/healthz/ready",
            "http://10.0.0.2:8080/base/healthz/ready",
            "http://10.0.0.3:8080/healthz/ready");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(16)]
    public async Task At_most_MaxConcurrency_probes_of_a_cluster_are_in_flight_at_once(int maxConcurrency)
    {
        const int destinations = 5;
        var ids = Enumerable.Range(0, destinations).Select(i => $"d{i}").ToArray();
        var registry = Registry((Orders, Cluster(probing: true, o => o.MaxConcurrency = maxConcurrency, ids)));
        _handler.Respond = _handler.Hold();
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);

        int probed = 0;
        while (probed < destinations)
        {
            int batch = Math.Min(maxConcurrency, destinations - probed);
            await _handler.WaitForArrivalsAsync(batch);
            // A full batch starts only as the previous one's probes have all finished; a last, smaller one may
            // start while the previous one's last probes are still returning.
            _handler.InFlight.Should().BeInRange(batch, maxConcurrency, "a probe starts only when another has finished");
            probed += batch;
            _handler.ReleaseHeld();
        }

        await round;
        _handler.MaxInFlight.Should().Be(Math.Min(maxConcurrency, destinations));
        _handler.Uris.Should().OnlyHaveUniqueItems().And.HaveCount(destinations);
        ids.Select(id => State(registry, id).ConsecutiveProbeSuccesses).Should().AllBeEquivalentTo(1);
    }

    [Fact]
    public async Task Clusters_with_probing_off_are_left_alone()
    {
        var registry = Registry(
            (Orders, Cluster(probing: true, null, "a")),
            ("billing", Cluster(probing: false, null, "x", "y")));
        _handler.Respond = FakeProbeHandler.Answer(HttpStatusCode.ServiceUnavailable);
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;
        await RoundsAsync(prober, 3);

        prober.ProbedClusters.Should().Equal(Orders);
        _handler.Uris.Should().AllBe("http://a:8080/healthz").And.HaveCount(4);
        foreach (var state in registry.GetCluster("billing").Snapshot.AllDestinations)
        {
            (state.ActiveHealth, state.ConsecutiveProbeFailures, state.ConsecutiveProbeSuccesses).Should().Be((DestinationHealth.Unknown, 0, 0));
        }
    }

    [Fact]
    public async Task No_handler_is_created_until_a_cluster_turns_probing_on_and_then_only_one()
    {
        var registry = Registry((Orders, Cluster(probing: false, null, "a")));
        var prober = Prober(registry);
        await prober.StartAsync(CancellationToken.None);
        _handlersCreated.Should().Be(0);

        var round = NextRound(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, null, "a")), ("billing", Cluster(probing: true, null, "x"))));
        await round;
        registry.Update(Config((Orders, Cluster(probing: false, null, "a"))));
        round = NextRound(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, null, "a"))));
        await round;

        _handlersCreated.Should().Be(1);
        await prober.StopAsync(CancellationToken.None);
        _handler.IsDisposed.Should().BeTrue("stopping releases the handler");
    }

    [Fact]
    public async Task Turning_probing_on_by_a_reload_starts_probing_and_turning_it_off_stops_it_and_forgets_what_probes_said()
    {
        void FallAtOnce(ActiveHealthCheckOptions o) => o.UnhealthyThreshold = 1;
        var registry = Registry((Orders, Cluster(probing: false, FallAtOnce, "a", "b")));
        _handler.Respond = FakeProbeHandler.AnswerByHost(host => host == "a" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        var prober = Prober(registry);
        await prober.StartAsync(CancellationToken.None);
        prober.ProbedClusters.Should().BeEmpty();

        var round = NextRound(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, FallAtOnce, "a", "b"))));
        await round;
        var a = State(registry, "a");
        var b = State(registry, "b");
        prober.ProbedClusters.Should().Equal(Orders);
        a.ActiveHealth.Should().Be(DestinationHealth.Unhealthy);
        b.ConsecutiveProbeSuccesses.Should().Be(1);

        registry.Update(Config((Orders, Cluster(probing: false, FallAtOnce, "a", "b"))));

        prober.ProbedClusters.Should().BeEmpty();
        (a.ActiveHealth, a.ConsecutiveProbeFailures).Should().Be((DestinationHealth.Unknown, 0), "nothing would ever bring it back otherwise");
        (b.ActiveHealth, b.ConsecutiveProbeSuccesses).Should().Be((DestinationHealth.Unknown, 0));
        registry.GetCluster(Orders).Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("a", "b");
        _logs.WithEventId(1001).Select(e => e.Message).Should().EndWith(
            "Cluster 'orders': destination 'a' went from Unhealthy to Unknown (active-checks-disabled).");
        int probes = _handler.Received.Count;
        _time.Advance(s_interval * 5);
        _handler.Received.Should().HaveCount(probes);
    }

    [Fact]
    public async Task A_reload_that_changes_the_interval_applies_to_the_wait_in_progress()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a")));
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;
        _time.Advance(TimeSpan.FromSeconds(1));

        // Longer: the next round moves to 10 s after the last one started.
        var rescheduled = NextRescheduled(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, o => o.Interval = TimeSpan.FromSeconds(10), "a"))));
        (await rescheduled).Should().Be(TimeSpan.FromSeconds(9));
        round = NextRound(prober, Orders);
        _time.Advance(TimeSpan.FromSeconds(9));
        (await round).Should().Be(TimeSpan.FromSeconds(10));
        _handler.Received.Should().HaveCount(2);

        // Shorter, with more than the new interval gone since the last round started: the next round starts at once.
        _time.Advance(TimeSpan.FromSeconds(5));
        rescheduled = NextRescheduled(prober, Orders);
        round = NextRound(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, o => o.Interval = TimeSpan.FromSeconds(2), "a"))));
        (await rescheduled).Should().Be(TimeSpan.Zero);
        (await round).Should().Be(TimeSpan.FromSeconds(2));
        _handler.Received.Should().HaveCount(3);
    }

    [Fact]
    public async Task Each_round_probes_the_destinations_the_cluster_has_then()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a", "b")));
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;
        var b = State(registry, "b");

        var rescheduled = NextRescheduled(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, null, "b", "c"))));
        (await rescheduled).Should().Be(s_interval, "a change of destinations does not move the schedule");
        await RoundsAsync(prober, 1);

        _handler.Uris.Skip(2).Should().BeEquivalentTo("http://b:8080/healthz", "http://c:8080/healthz");
        State(registry, "b").Should().BeSameAs(b);
        b.ActiveHealth.Should().Be(DestinationHealth.Healthy, "the destination that stayed kept its run of passes");
        State(registry, "c").ActiveHealth.Should().Be(DestinationHealth.Unknown);
    }

    [Fact]
    public async Task A_removed_cluster_is_no_longer_probed_and_is_probed_again_when_it_comes_back()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a")));
        var prober = Prober(registry);
        var round = NextRound(prober, Orders);
        await prober.StartAsync(CancellationToken.None);
        await round;

        registry.Update(Config());
        prober.ProbedClusters.Should().BeEmpty();
        _time.Advance(s_interval * 3);
        _handler.Received.Should().HaveCount(1);

        round = NextRound(prober, Orders);
        registry.Update(Config((Orders, Cluster(probing: true, null, "a"))));
        await round;
        prober.ProbedClusters.Should().Equal(Orders);
        _handler.Received.Should().HaveCount(2);
    }

    [Fact]
    public async Task Stopping_cancels_the_probes_in_flight_reports_nothing_and_completes()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a")));
        _handler.Respond = FakeProbeHandler.Hang();
        var prober = Prober(registry);
        await prober.StartAsync(CancellationToken.None);
        await _handler.WaitForArrivalsAsync(1);

        await prober.StopAsync(CancellationToken.None).WaitAsync(s_testTimeout);

        _handler.Cancelled.Should().Be(1);
        _handler.IsDisposed.Should().BeTrue();
        var a = State(registry, "a");
        (a.ActiveHealth, a.ConsecutiveProbeFailures).Should().Be((DestinationHealth.Unknown, 0), "a cancelled probe says nothing about the destination");
        _logs.WithEventId(1030).Should().BeEmpty();
        prober.ProbedClusters.Should().BeEmpty();

        // Stopped for good: neither a reload nor another start brings probing back.
        registry.Update(Config((Orders, Cluster(probing: true, null, "a")), ("billing", Cluster(probing: true, null, "x"))));
        await prober.StartAsync(CancellationToken.None);
        prober.ProbedClusters.Should().BeEmpty();
        _handler.Received.Should().HaveCount(1);
    }

    [Fact]
    public async Task Disposing_without_stopping_stops_too()
    {
        var registry = Registry((Orders, Cluster(probing: true, null, "a")));
        _handler.Respond = FakeProbeHandler.Hang();
        var prober = new ActiveHealthProber(registry, () => _handler);
        await prober.StartAsync(CancellationToken.None);
        await _handler.WaitForArrivalsAsync(1);

        prober.Dispose();

        _handler.IsDisposed.Should().BeTrue();
        prober.ProbedClusters.Should().BeEmpty();
        _handler.Received[0].Token.IsCancellationRequested.Should().BeTrue();
    }

    private ClusterRegistry Registry(params (string Name, ClusterOptions Cluster)[] clusters) =>
        new(Config(clusters), new ClusterEnvironment(_time, loggerFactory: _loggerFactory));

    private ActiveHealthProber Prober(ClusterRegistry registry)
    {
        var prober = new ActiveHealthProber(registry, () =>
        {
            Interlocked.Increment(ref _handlersCreated);
            return _handler;
        });
        _probers.Add(prober);
        return prober;
    }

    private static EdgeKitOptions Config(params (string Name, ClusterOptions Cluster)[] clusters)
    {
        var options = new EdgeKitOptions();
        foreach (var (name, cluster) in clusters)
        {
            options.Clusters[name] = cluster;
        }

        return options;
    }

    /// <summary>A cluster whose destinations <c>id</c> are at <c>http://id:8080/</c>.</summary>
    private static ClusterOptions Cluster(bool probing, Action<ActiveHealthCheckOptions>? configure, params string[] ids)
    {
        var cluster = new ClusterOptions();
        cluster.Health.Active.Enabled = probing;
        configure?.Invoke(cluster.Health.Active);
        foreach (var id in ids)
        {
            cluster.Destinations[id] = new DestinationOptions { Address = $"http://{id}:8080/" };
        }

        return cluster;
    }

    private static DestinationState State(ClusterRegistry registry, string id, string cluster = Orders) =>
        registry.GetCluster(cluster).Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);

    /// <summary>Moves the clock on by an interval <paramref name="count"/> times, each time waiting for the round it starts.</summary>
    private async Task RoundsAsync(ActiveHealthProber prober, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var round = NextRound(prober, Orders);
            _time.Advance(s_interval);
            await round;
        }
    }

    /// <summary>Completes, with the time until the round after, when the next round of <paramref name="cluster"/> has completed.</summary>
    private static Task<TimeSpan> NextRound(ActiveHealthProber prober, string cluster)
    {
        var completed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<Cluster, TimeSpan>? handler = null;
        handler = (c, next) =>
        {
            if (c.Name == cluster && completed.TrySetResult(next))
            {
                prober.RoundCompleted -= handler;
            }
        };
        prober.RoundCompleted += handler;
        return completed.Task.WaitAsync(s_testTimeout);
    }

    /// <summary>Completes, with the new time until the next round, when a registry update has re-armed the wait of <paramref name="cluster"/>.</summary>
    private static Task<TimeSpan> NextRescheduled(ActiveHealthProber prober, string cluster)
    {
        var rescheduled = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<Cluster, TimeSpan>? handler = null;
        handler = (c, next) =>
        {
            if (c.Name == cluster && rescheduled.TrySetResult(next))
            {
                prober.Rescheduled -= handler;
            }
        };
        prober.Rescheduled += handler;
        return rescheduled.Task.WaitAsync(s_testTimeout);
    }
}
