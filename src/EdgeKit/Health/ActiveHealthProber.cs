using System.Net;
using System.Text;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Health;

/// <summary>
/// Runs the active health checks of every cluster whose <see cref="ActiveHealthCheckOptions.Enabled"/> is set:
/// each <see cref="ActiveHealthCheckOptions.Interval"/>, a GET of <see cref="ActiveHealthCheckOptions.Path"/> on
/// every destination (joined to its <see cref="Destination.HealthAddress"/> when it has one, otherwise to its
/// <see cref="Destination.Address"/>, keeping the address's path prefix). A probe passes when its status is one of
/// <see cref="ActiveHealthCheckOptions.HealthyStatuses"/> within <see cref="ActiveHealthCheckOptions.Timeout"/>;
/// any other status, an error or a timeout fails it. Results go to <see cref="Cluster.ReportProbeResult(DestinationState, bool)"/>, which
/// applies the rise and fall thresholds.
/// </summary>
/// <remarks>
/// <para>Each probed cluster has one background loop of rounds: a round probes the destinations of the cluster's
/// current snapshot in parallel, at most <see cref="ActiveHealthCheckOptions.MaxConcurrency"/> at once, and the next
/// round starts <see cref="ActiveHealthCheckOptions.Interval"/> after the previous one started (at once when a round
/// took longer). Rounds never overlap, so two probes of one destination are never in flight together. The first round
/// runs as soon as the loop starts. Scheduling and timeouts use the registry's <see cref="TimeProvider"/>.</para>
/// <para>Probes go through their own <see cref="SocketsHttpHandler"/> (no cookies, redirects, decompression, proxy or
/// trace headers; connections recycled every <see cref="PooledConnectionLifetime"/>), never through the balancing
/// handler, so they neither compete with request traffic for connections nor count as requests.</para>
/// <para>Loops follow <see cref="ClusterRegistry.Updated"/>: a cluster that turns probing on (or is added with it) gets a
/// loop; one that turns it off (or is removed) loses its loop, and its destinations' active health returns to
/// <see cref="DestinationHealth.Unknown"/>, since nothing would ever change it again. A changed interval applies to
/// the wait in progress. Stopping cancels the probes in flight, waits for the loops and releases the connections.</para>
/// </remarks>
internal sealed class ActiveHealthProber : IHostedService, IAsyncDisposable, IDisposable
{
    /// <summary>The <c>User-Agent</c> of every probe, so backends can tell probes from traffic.</summary>
    public const string UserAgent = "EdgeKit-HealthProbe";

    /// <summary>The health-change reason when probing stops for a cluster and its destinations' active health is forgotten.</summary>
    public const string ProbingStoppedReason = "active-checks-disabled";

    /// <summary>How long a probe connection is reused before it is replaced, so DNS changes and new listeners are seen.</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromSeconds(30);

    /// <summary>The key of a probed cluster's loop: one loop while probing stays on, whatever its settings.</summary>
    private const string ProbingKey = "active";

    private readonly Func<HttpMessageHandler> _createHandler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ClusterLoopSet<ProbeLoop> _loops;
    private readonly Lock _invokerLock = new();
    private HttpMessageInvoker? _invoker;
    private bool _stopped;

    /// <summary>Creates a prober of the registry's clusters that sends probes through a <see cref="CreateHandler">dedicated handler</see>.</summary>
    public ActiveHealthProber(ClusterRegistry registry)
        : this(registry, CreateHandler)
    {
    }

    /// <summary>Creates a prober whose probes go through the handler <paramref name="createHandler"/> makes (once, when the first loop starts).</summary>
    internal ActiveHealthProber(ClusterRegistry registry, Func<HttpMessageHandler> createHandler)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(createHandler);
        _createHandler = createHandler;
        _time = registry.Environment.TimeProvider;
        _logger = registry.Environment.LoggerFactory.CreateLogger<ActiveHealthProber>();
        _loops = new ClusterLoopSet<ProbeLoop>(
            registry,
            keyOf: cluster => cluster.Health.Active.Enabled ? ProbingKey : null,
            create: (cluster, key) => new ProbeLoop(cluster, key, GetInvoker()),
            run: RunAsync,

            // Probing was turned off or the cluster removed: nothing would ever change the active health again.
            stopped: (loop, _) => loop.Cluster.ResetActiveHealth(ProbingStoppedReason));
    }

    /// <summary>
    /// Raised after each round of a cluster's probes, once its results are reported and the wait for the next round
    /// is armed, with the cluster and the time until the next round. For tests and diagnostics.
    /// </summary>
    internal event Action<Cluster, TimeSpan>? RoundCompleted;

    /// <summary>
    /// Raised when a registry update re-armed the wait for a cluster's next round (its interval may have changed),
    /// with the cluster and the new time until the next round. For tests and diagnostics.
    /// </summary>
    internal event Action<Cluster, TimeSpan>? Rescheduled;

    /// <summary>The names of the clusters being probed.</summary>
    internal IReadOnlyCollection<string> ProbedClusters =>
        _loops.Loops.Select(l => l.Cluster.Name).Order(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>The handler probes use: no cookies, redirects, decompression, proxy or trace propagation; short-lived pooled connections.</summary>
    internal static SocketsHttpHandler CreateHandler() => new()
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        PooledConnectionLifetime = PooledConnectionLifetime,
        PooledConnectionIdleTimeout = PooledConnectionLifetime,
        ActivityHeadersPropagator = null,
    };

    /// <summary>The address a probe of <paramref name="destination"/> goes to: <paramref name="path"/> joined to its health address, or address, keeping that address's path prefix.</summary>
    internal static Uri BuildProbeUri(Destination destination, string path)
    {
        var address = destination.HealthAddress ?? destination.Address;
        string authority = address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        return new Uri(string.Concat(authority, address.AbsolutePath.AsSpan().TrimEnd('/'), path), UriKind.Absolute);
    }

    /// <summary>Starts a loop for every cluster with probing on, and follows registry updates. Does not wait for any probe.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops.Start();
        return Task.CompletedTask;
    }

    /// <summary>Cancels the probes in flight, waits for every loop (bounded by <paramref name="cancellationToken"/>) and releases the handler. Health stays as it is.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var (loops, invoker) = StopLoops();
        try
        {
            await Task.WhenAll(loops.Select(l => l.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout elapsed; the loops end on their own as they observe cancellation.
        }
        finally
        {
            invoker?.Dispose();
        }
    }

    /// <summary>Stops every loop and waits for them.</summary>
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    /// <summary>Stops every loop without waiting for them (containers disposed synchronously).</summary>
    public void Dispose() => StopLoops().Invoker?.Dispose();

    private (ProbeLoop[] Loops, HttpMessageInvoker? Invoker) StopLoops()
    {
        var loops = _loops.Stop();
        lock (_invokerLock)
        {
            _stopped = true;
            var invoker = _invoker;
            _invoker = null;
            return (loops, invoker);
        }
    }

    /// <summary>The invoker every probe goes through, made when the first loop starts.</summary>
    private HttpMessageInvoker GetInvoker()
    {
        lock (_invokerLock)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            return _invoker ??= new HttpMessageInvoker(_createHandler(), disposeHandler: true);
        }
    }

    private async Task RunAsync(ProbeLoop loop)
    {
        var stopping = loop.Stopping;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                long started = _time.GetTimestamp();
                try
                {
                    await ProbeRoundAsync(loop, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    EdgeKitLog.HealthProbeLoopFailed(_logger, loop.Cluster.Name, ex);
                }

                await WaitForNextRoundAsync(loop, started, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>Probes the destinations of the cluster's current snapshot, at most <see cref="ActiveHealthCheckOptions.MaxConcurrency"/> at once.</summary>
    private async Task ProbeRoundAsync(ProbeLoop loop, CancellationToken stopping)
    {
        var cluster = loop.Cluster;
        var options = cluster.Health.Active;
        var destinations = cluster.Snapshot.AllDestinations;
        if (!options.Enabled || cluster.IsRemoved || destinations.IsEmpty)
        {
            // Probing was just turned off (the loop is being stopped), or there is nothing to probe yet.
            return;
        }

        var probe = new ProbeSettings(options.Path, options.Timeout, loop.GetHealthyStatuses(options.HealthyStatuses));
        await Parallel.ForEachAsync(
            destinations,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = stopping },
            (destination, token) => ProbeAndReportAsync(loop, destination, probe, token)).ConfigureAwait(false);
    }

    private async ValueTask ProbeAndReportAsync(ProbeLoop loop, DestinationState destination, ProbeSettings probe, CancellationToken stopping)
    {
        var target = destination.Destination;
        var result = await ProbeAsync(loop.Invoker, target, probe, stopping).ConfigureAwait(false);
        var cluster = loop.Cluster;
        string detail = result.Describe(probe.Timeout);
        var observation = new ProbeObservation(_time.GetUtcNow(), result.Passed, detail);

        // Read before the report, which may readmit it: a probe of a destination out of rotation is what tells an
        // operator it recovered, so it is logged at Information (a probe of a destination in rotation that fails at Debug).
        string? outOfRotation = destination.IsEjected
            ? $"ejected: {destination.EjectionReason}"
            : destination.ActiveHealth == DestinationHealth.Unhealthy ? "unhealthy" : null;
        lock (loop.Gate)
        {
            if (loop.Stopped)
            {
                return;
            }

            cluster.ReportProbeResult(destination, observation);
        }

        EdgeKitMetrics.RecordProbe(cluster.Name, destination.Id, result.Passed);
        if (outOfRotation is not null)
        {
            EdgeKitLog.OutOfRotationDestinationProbed(
                _logger, cluster.Name, destination.Id, outOfRotation, result.Passed ? "passed" : "failed", detail, destination.ConsecutiveProbeSuccesses);
        }
        else if (!result.Passed && _logger.IsEnabled(LogLevel.Debug))
        {
            EdgeKitLog.HealthProbeFailed(_logger, cluster.Name, destination.Id, result.Uri, detail);
        }
    }

    /// <summary>One probe: never throws, except <see cref="OperationCanceledException"/> when stopping.</summary>
    private async Task<ProbeResult> ProbeAsync(HttpMessageInvoker invoker, Destination destination, ProbeSettings probe, CancellationToken stopping)
    {
        Uri? uri = null;
        using var timeout = new CancellationTokenSource(probe.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            uri = BuildProbeUri(destination, probe.Path);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            using var response = await invoker.SendAsync(request, linked.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            return new ProbeResult(uri, probe.HealthyStatuses.Contains(status), status, TimedOut: false, Error: null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            // Cancelled by the timeout, whatever form the handler gave the cancellation.
            return new ProbeResult(uri, Passed: false, StatusCode: 0, TimedOut: true, Error: null);
        }
        catch (Exception ex)
        {
            return new ProbeResult(uri, Passed: false, StatusCode: 0, TimedOut: false, Error: ex);
        }
    }

    /// <summary>Waits until <see cref="ActiveHealthCheckOptions.Interval"/> after <paramref name="started"/>, re-reading the interval whenever the loop is woken.</summary>
    private async Task WaitForNextRoundAsync(ProbeLoop loop, long started, CancellationToken stopping)
    {
        bool afterRound = true;
        while (true)
        {
            // Read the wake signal before the interval: an update after this point wakes this wait.
            var wake = loop.WakeSignal;
            var remaining = loop.Cluster.Health.Active.Interval - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                Raise(afterRound ? RoundCompleted : Rescheduled, loop.Cluster, TimeSpan.Zero);
                return;
            }

            using var waiter = new Waiter(_time, remaining, stopping);

            // Reported once the wait is armed, so that whoever observes it may move the clock on.
            Raise(afterRound ? RoundCompleted : Rescheduled, loop.Cluster, remaining);
            afterRound = false;
            await Task.WhenAny(waiter.Task, wake).ConfigureAwait(false);
            stopping.ThrowIfCancellationRequested();
            if (waiter.Task.IsCompleted)
            {
                return;
            }
        }
    }

    private static void Raise(Action<Cluster, TimeSpan>? handler, Cluster cluster, TimeSpan next)
    {
        try
        {
            handler?.Invoke(cluster, next);
        }
        catch (Exception)
        {
            // A diagnostic subscriber must not stop probing.
        }
    }

    /// <summary>What every probe of one round needs.</summary>
    private readonly record struct ProbeSettings(string Path, TimeSpan Timeout, StatusCodeRanges HealthyStatuses);

    /// <summary>How one probe went.</summary>
    private readonly record struct ProbeResult(Uri? Uri, bool Passed, int StatusCode, bool TimedOut, Exception? Error)
    {
        public string Describe(TimeSpan timeout)
        {
            if (TimedOut)
            {
                return $"no response within {timeout}";
            }

            if (Error is null)
            {
                return Passed ? $"status {StatusCode}" : $"status {StatusCode} is not a healthy status";
            }

            // The outer message alone often says "see inner exception" (TLS, for one). The log adds the final period.
            var text = new StringBuilder();
            for (var error = Error; error is not null; error = error.InnerException)
            {
                text.Append(text.Length == 0 ? "" : " ---> ").Append(error.GetType().Name).Append(": ").Append(error.Message.AsSpan().TrimEnd('.'));
            }

            return text.ToString();
        }
    }

    /// <summary>A wait for a timer of the prober's clock, that also ends when stopping.</summary>
    private sealed class Waiter : IDisposable
    {
        private readonly TaskCompletionSource _elapsed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ITimer _timer;
        private readonly CancellationTokenRegistration _cancelled;

        public Waiter(TimeProvider time, TimeSpan delay, CancellationToken stopping)
        {
            _timer = time.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), _elapsed, delay, Timeout.InfiniteTimeSpan);
            _cancelled = stopping.Register(static (state, token) => ((TaskCompletionSource)state!).TrySetCanceled(token), _elapsed);
        }

        /// <summary>Completes when the delay has elapsed; cancelled when stopping.</summary>
        public Task Task => _elapsed.Task;

        public void Dispose()
        {
            _timer.Dispose();
            _cancelled.Dispose();
        }
    }

    /// <summary>One cluster's loop of probe rounds.</summary>
    private sealed class ProbeLoop(Cluster cluster, string key, HttpMessageInvoker invoker) : ClusterLoop(cluster, key)
    {
        private (string Text, StatusCodeRanges Ranges)? _healthyStatuses;

        public HttpMessageInvoker Invoker { get; } = invoker;

        /// <summary>The parsed <see cref="ActiveHealthCheckOptions.HealthyStatuses"/>, parsed again only when the text changes. Called by the loop only.</summary>
        public StatusCodeRanges GetHealthyStatuses(string text)
        {
            if (_healthyStatuses is { } cached && cached.Text == text)
            {
                return cached.Ranges;
            }

            if (!StatusCodeRanges.TryParse(text, out var ranges, out var error))
            {
                // The cluster validated its options, so this is not expected.
                throw new InvalidOperationException($"Health.Active.HealthyStatuses {error}");
            }

            _healthyStatuses = (text, ranges);
            return ranges;
        }
    }
}
