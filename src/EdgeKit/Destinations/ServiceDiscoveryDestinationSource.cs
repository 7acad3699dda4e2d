using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace EdgeKit.Destinations;

/// <summary>
/// Gives every cluster that names a <see cref="ClusterOptions.ServiceName"/> the destinations that service
/// resolves to through Microsoft.Extensions.ServiceDiscovery's <see cref="ServiceEndpointResolver"/>, under the
/// destination source <see cref="ClusterRegistry.ServiceDiscoverySource"/>, and keeps them current.
/// </summary>
/// <remarks>
/// <para>Each such cluster has one background loop: resolve, convert the endpoints
/// (<see cref="ServiceEndpointConverter"/>), replace the cluster's service-discovery destinations when they changed
/// (an endpoint that stays keeps its live state), then wait for the endpoint source's change token, or at most
/// <see cref="ServiceDiscoveryOptions.RefreshPeriod"/>, and resolve again. A failed or timed-out resolution is
/// logged (event 1008), keeps the previous destinations and is retried with a doubling delay. Requests never wait
/// for any of this: they read the cluster's snapshot.</para>
/// <para>Loops follow <see cref="ClusterRegistry.Updated"/>: a new cluster (or a new service name) starts one; a
/// removed cluster, or one whose service name was removed, stops its loop and loses its service-discovery
/// destinations. When the service name changes, the old destinations stay until the new name first resolves.</para>
/// <para>The host's start waits up to <see cref="ServiceDiscoveryDestinationOptions.InitialResolutionTimeout"/>
/// for every first resolution, so the first requests find destinations; stopping the host stops every loop.</para>
/// </remarks>
internal sealed class ServiceDiscoveryDestinationSource : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan s_fallbackRefreshPeriod = TimeSpan.FromSeconds(60);

    private readonly ServiceEndpointResolver _resolver;
    private readonly IOptions<ServiceDiscoveryOptions> _discoveryOptions;
    private readonly ServiceDiscoveryDestinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ClusterLoopSet<Watch> _watches;

    public ServiceDiscoveryDestinationSource(
        ClusterRegistry registry,
        ServiceEndpointResolver resolver,
        IOptions<ServiceDiscoveryOptions> discoveryOptions,
        IOptions<ServiceDiscoveryDestinationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(options);
        _resolver = resolver;
        _discoveryOptions = discoveryOptions;
        _options = options.Value;
        _time = registry.Environment.TimeProvider;
        _logger = registry.Environment.LoggerFactory.CreateLogger<ServiceDiscoveryDestinationSource>();
        _watches = new ClusterLoopSet<Watch>(
            registry,
            keyOf: cluster => registry.CurrentOptions.Clusters.TryGetValue(cluster.Name, out var clusterOptions) ? Normalize(clusterOptions?.ServiceName) : null,
            create: (cluster, serviceName) => new Watch(cluster, serviceName),
            run: RunAsync,
            stopped: (watch, replaced) =>
            {
                if (!replaced)
                {
                    // No longer resolved: its destinations go (a removed cluster has none already). A new service name
                    // keeps the old destinations until it first resolves.
                    watch.Cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, []);
                }
            });
    }

    /// <summary>
    /// Raised after every resolution attempt, once the wait for the next one is armed, with the cluster's name,
    /// the service name and the error, if any. For tests and diagnostics.
    /// </summary>
    internal event Action<string, string, Exception?>? ResolutionCompleted;

    /// <summary>The clusters being resolved, with their service names.</summary>
    internal IReadOnlyDictionary<string, string> WatchedServices =>
        _watches.Loops.ToDictionary(w => w.Cluster.Name, w => w.ServiceName, StringComparer.OrdinalIgnoreCase);

    /// <summary>Starts resolving, then waits (bounded) for every first resolution.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_watches.Start())
        {
            return;
        }

        var watches = _watches.Loops;

        var timeout = _options.InitialResolutionTimeout;
        if (watches.Length == 0 || timeout == TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.WhenAll(watches.Select(w => w.FirstAttempt)).WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            foreach (var watch in watches.Where(w => !w.FirstAttempt.IsCompleted))
            {
                EdgeKitLog.ServiceDiscoveryStartupTimeout(_logger, watch.Cluster.Name, watch.ServiceName, timeout);
            }
        }
    }

    /// <summary>Stops every loop and waits for them (bounded by <paramref name="cancellationToken"/>). Destinations stay as they are.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var watches = _watches.Stop();
        try
        {
            await Task.WhenAll(watches.Select(w => w.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout elapsed; the loops end on their own as they observe cancellation.
        }
    }

    /// <summary>
    /// Stops every loop. Like Microsoft.Extensions.ServiceDiscovery's own resolver, this is only asynchronously
    /// disposable: dispose the container with <c>DisposeAsync</c> (hosts do).
    /// </summary>
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private static string? Normalize(string? serviceName) => string.IsNullOrWhiteSpace(serviceName) ? null : serviceName;

    private async Task RunAsync(Watch watch)
    {
        var stopping = watch.Stopping;
        int failures = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                IChangeToken? changeToken = null;
                Exception? error = null;
                try
                {
                    var source = await ResolveAsync(watch, stopping).ConfigureAwait(false);
                    Apply(watch, source);
                    changeToken = source.ChangeToken;
                    failures = 0;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    error = ex;
                    failures++;
                    EdgeKitLog.ServiceDiscoveryFailed(_logger, watch.Cluster.Name, watch.ServiceName, ex);
                }

                var wait = error is null ? RefreshPeriod() : RetryDelay(failures);
                using var waiter = new ChangeWaiter(_time, changeToken, wait, stopping);

                // Reported once the wait is armed, so that whoever observes it may move the clock on.
                watch.CompleteFirstAttempt();
                OnResolutionCompleted(watch, error);
                await waiter.Task.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            watch.CompleteFirstAttempt();
        }
    }

    private async Task<ServiceEndpointSource> ResolveAsync(Watch watch, CancellationToken stopping)
    {
        if (watch.Query is null)
        {
            throw new ArgumentException($"'{watch.ServiceName}' is not a service name.");
        }

        using var timeout = new CancellationTokenSource(_options.ResolutionTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            return await _resolver.GetEndpointsAsync(watch.ServiceName, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            throw new TimeoutException($"Resolving service '{watch.ServiceName}' did not complete within {_options.ResolutionTimeout}.");
        }
    }

    /// <summary>Converts the endpoints and, when they differ from the last ones applied, replaces the cluster's service-discovery destinations.</summary>
    private void Apply(Watch watch, ServiceEndpointSource source)
    {
        var discoveryOptions = _discoveryOptions.Value;
        var destinations = new List<Destination>(source.Endpoints.Count);
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        List<(string Endpoint, string Reason)>? skipped = null;
        foreach (var endpoint in source.Endpoints)
        {
            if (!ServiceEndpointConverter.TryConvert(endpoint, watch.Query!, discoveryOptions, out var destination, out var problem))
            {
                (skipped ??= []).Add((ServiceEndpointConverter.GetId(endpoint.EndPoint), problem));
            }
            else if (ids.Add(destination.Id))
            {
                destinations.Add(destination);
            }
        }

        lock (watch.Gate)
        {
            if (watch.Stopped || (watch.Current is { } current && current.SequenceEqual(destinations)))
            {
                return;
            }

            watch.Cluster.UpdateDestinations(ClusterRegistry.ServiceDiscoverySource, destinations);
            watch.Current = destinations;
        }

        foreach (var (endpoint, reason) in skipped ?? [])
        {
            EdgeKitLog.ServiceEndpointSkipped(_logger, watch.Cluster.Name, watch.ServiceName, endpoint, reason);
        }

        EdgeKitLog.ClusterDestinationsChanged(_logger, watch.Cluster.Name, ClusterRegistry.ServiceDiscoverySource, destinations.Count);
    }

    /// <summary>A task that completes when a change token fires or a wait elapses, and is cancelled when stopping.</summary>
    private sealed class ChangeWaiter : IDisposable
    {
        private readonly TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ITimer _timer;
        private readonly IDisposable? _changed;
        private readonly CancellationTokenRegistration _cancelled;

        public ChangeWaiter(TimeProvider time, IChangeToken? changeToken, TimeSpan wait, CancellationToken stopping)
        {
            _timer = time.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), _signal, wait, Timeout.InfiniteTimeSpan);
            _changed = changeToken is { ActiveChangeCallbacks: true }
                ? changeToken.RegisterChangeCallback(static state => ((TaskCompletionSource)state!).TrySetResult(), _signal)
                : null;
            _cancelled = stopping.Register(static (state, token) => ((TaskCompletionSource)state!).TrySetCanceled(token), _signal);
            if (changeToken is { HasChanged: true })
            {
                _signal.TrySetResult();
            }
        }

        public Task Task => _signal.Task;

        public void Dispose()
        {
            _timer.Dispose();
            _changed?.Dispose();
            _cancelled.Dispose();
        }
    }

    private TimeSpan RefreshPeriod()
    {
        var period = _discoveryOptions.Value.RefreshPeriod;
        return period > TimeSpan.Zero ? period : s_fallbackRefreshPeriod;
    }

    /// <summary><see cref="ServiceDiscoveryDestinationOptions.RetryDelay"/> doubled for each failure in a row after the first, at most <see cref="ServiceDiscoveryDestinationOptions.MaxRetryDelay"/>.</summary>
    private TimeSpan RetryDelay(int failures)
    {
        double ticks = _options.RetryDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        return ticks >= _options.MaxRetryDelay.Ticks ? _options.MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }

    private void OnResolutionCompleted(Watch watch, Exception? error)
    {
        try
        {
            ResolutionCompleted?.Invoke(watch.Cluster.Name, watch.ServiceName, error);
        }
        catch (Exception)
        {
            // A diagnostic subscriber must not stop resolution.
        }
    }

    /// <summary>One cluster's resolution loop and what it last applied.</summary>
    private sealed class Watch(Cluster cluster, string serviceName) : ClusterLoop(cluster, serviceName)
    {
        public string ServiceName => Key;

        public ServiceEndpointQuery? Query { get; } =
            EdgeKitOptionsValidator.TryParseServiceName(serviceName, out var query) ? query : null;

        /// <summary>The destinations last applied; guarded by <see cref="ClusterLoop.Gate"/>.</summary>
        public List<Destination>? Current { get; set; }
    }
}
