using System.Runtime.CompilerServices;

namespace EdgeKit.Destinations;

/// <summary>
/// The live state of one destination in a cluster: its current configuration, in-flight requests,
/// latency estimate and health. One instance lives for as long as a destination with the same id
/// stays in the cluster, across configuration reloads.
/// </summary>
/// <remarks>
/// Every member is safe to call from any thread. Counters are updated with interlocked operations;
/// nothing here takes a lock.
/// </remarks>
public sealed class DestinationState
{
    private Destination _destination;
    private int _inFlight;
    private long _totalRequests;
    private long _totalFailures;
    private int _consecutiveFailures;
    private int _activeHealth;
    private long _ejectedUntil;
    private int _ejectionMultiplier;
    private int _ejectionCount;
    private int _consecutive5xx;
    private int _consecutiveGatewayFailures;
    private int _consecutiveConnectFailures;
    private string? _ejectionReason;
    private int _ejectedAsUnreachable;
    private ProbeObservation? _lastProbe;
    private int _consecutiveProbeSuccesses;
    private int _consecutiveProbeFailures;
    private long _slowStartBegan;

    // Peak EWMA of latency, in TimeProvider timestamp units, stored as double bits so it can be
    // updated with a compare-and-swap; and the timestamp of its last update.
    private long _latencyCostBits;
    private long _latencyStamp;
    private double _decayTicks;

    private RewriteEntry? _lastRewrite;
    private PathUriEntry? _lastPathUri;

    internal DestinationState(Destination destination, double decayTicks, long timestampFrequency = TimeSpan.TicksPerSecond)
    {
        _destination = destination;
        _decayTicks = decayTicks;
        Latencies = new LatencyHistogram(timestampFrequency);
    }

    /// <summary>Every completed request's latency (not cancelled ones), for percentiles over a window.</summary>
    public LatencyHistogram Latencies { get; }

    /// <summary>The destination's id (stable for the life of this state).</summary>
    public string Id => _destination.Id;

    /// <summary>The destination's current configuration.</summary>
    public Destination Destination => Volatile.Read(ref _destination);

    /// <summary>Requests sent to this destination and not yet completed.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests completed by this destination since it joined, whatever their outcome.</summary>
    public long TotalRequests => Volatile.Read(ref _totalRequests);

    /// <summary>Requests to this destination that failed (an exception other than the caller's cancellation, or a 5xx status).</summary>
    public long TotalFailures => Volatile.Read(ref _totalFailures);

    /// <summary>Failures in a row since the last success.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>
    /// What is known of the destination's health, active and passive combined: <see cref="DestinationHealth.Unhealthy"/>
    /// while it is ejected or its active health is unhealthy; otherwise its active health.
    /// </summary>
    public DestinationHealth Health => IsEjected ? DestinationHealth.Unhealthy : ActiveHealth;

    /// <summary>Health as set by active probes (or by <see cref="Cluster.SetHealth"/>); <see cref="DestinationHealth.Unknown"/> until then.</summary>
    public DestinationHealth ActiveHealth => (DestinationHealth)Volatile.Read(ref _activeHealth);

    /// <summary>Whether outlier detection has ejected the destination (it returns when its ejection time ends).</summary>
    public bool IsEjected => Volatile.Read(ref _ejectedUntil) != 0;

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> at which the current ejection ends; 0 when not ejected.</summary>
    public long EjectedUntil => Volatile.Read(ref _ejectedUntil);

    /// <summary>How many times outlier detection has ejected the destination since it joined.</summary>
    public int EjectionCount => Volatile.Read(ref _ejectionCount);

    /// <summary>The current ejection-time multiplier: raised by each ejection, lowered each interval without one.</summary>
    public int EjectionMultiplier => Volatile.Read(ref _ejectionMultiplier);

    /// <summary>5xx responses and transport failures in a row.</summary>
    public int Consecutive5xx => Volatile.Read(ref _consecutive5xx);

    /// <summary>Gateway failures (502, 503, 504, connection failures, resets, timeouts) in a row.</summary>
    public int ConsecutiveGatewayFailures => Volatile.Read(ref _consecutiveGatewayFailures);

    /// <summary>Requests in a row that never reached the destination (connection refused or unreachable, name not resolved).</summary>
    internal int ConsecutiveConnectFailures => Volatile.Read(ref _consecutiveConnectFailures);

    /// <summary>Why outlier detection ejected the destination; <see langword="null"/> when it is not ejected.</summary>
    internal string? EjectionReason => Volatile.Read(ref _ejectionReason);

    /// <summary>
    /// Whether the destination is known to be dead: active probes mark it unhealthy, or it is ejected because its
    /// connections fail. Such a destination takes no traffic, not even in panic.
    /// </summary>
    internal bool IsKnownDead => ActiveHealth == DestinationHealth.Unhealthy || (IsEjected && Volatile.Read(ref _ejectedAsUnreachable) != 0);

    /// <summary>The last active probe's result; <see langword="null"/> before the first.</summary>
    internal ProbeObservation? LastProbe => Volatile.Read(ref _lastProbe);

    /// <summary>Active probes passed in a row.</summary>
    public int ConsecutiveProbeSuccesses => Volatile.Read(ref _consecutiveProbeSuccesses);

    /// <summary>Active probes failed in a row.</summary>
    public int ConsecutiveProbeFailures => Volatile.Read(ref _consecutiveProbeFailures);

    /// <summary>When the destination's slow start began (a timestamp); 0 when it is not ramping up.</summary>
    internal long SlowStartBegan => Volatile.Read(ref _slowStartBegan);

    /// <summary>Receives this destination's failures for passive health; set by its cluster.</summary>
    internal IDestinationOutcomeObserver? OutcomeObserver { get; set; }

    /// <summary>
    /// The peak-sensitive moving average of latency as of <paramref name="timestamp"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/> value), decayed toward zero for the time since the last
    /// observation so that an idle destination becomes attractive again.
    /// </summary>
    /// <param name="timestamp">The current timestamp of the cluster's <see cref="TimeProvider"/>.</param>
    /// <param name="timestampFrequency">The <see cref="TimeProvider.TimestampFrequency"/> of that provider.</param>
    /// <returns>The latency estimate; <see cref="TimeSpan.Zero"/> before the first observation.</returns>
    public TimeSpan GetLatencyEstimate(long timestamp, long timestampFrequency)
    {
        double ticks = GetDecayedCost(timestamp);
        return TimeSpan.FromSeconds(ticks / timestampFrequency);
    }

    /// <summary>The latency cost in timestamp units as of <paramref name="now"/>, without writing anything.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double GetDecayedCost(long now)
    {
        double cost = BitConverter.Int64BitsToDouble(Volatile.Read(ref _latencyCostBits));
        if (cost == 0)
        {
            return 0;
        }

        long elapsed = now - Volatile.Read(ref _latencyStamp);
        return elapsed <= 0 ? cost : cost * Math.Exp(-elapsed / _decayTicks);
    }

    /// <summary>Whether a latency has ever been observed.</summary>
    internal bool HasLatency => Volatile.Read(ref _latencyCostBits) != 0;

    /// <summary>
    /// The absolute URI of a request for <paramref name="escapedPath"/> and <paramref name="query"/> at this destination:
    /// its scheme, host and port, its path prefix, then the path and the query. The last URI built is kept and returned
    /// again while the path, the query and the destination's address stay the same, so a transport that sends the same
    /// path repeatedly (a health endpoint, a hot resource) builds no new <see cref="Uri"/>. Safe to call from any thread.
    /// </summary>
    /// <param name="escapedPath">The request's path, escaped for a URI (for example <c>/items/a%20b</c>); empty for the root.</param>
    /// <param name="query">The query including its <c>?</c>, or <see langword="null"/> or empty for none.</param>
    /// <returns>The absolute URI to send the request to.</returns>
    public Uri GetRequestUri(string escapedPath, string? query)
    {
        ArgumentNullException.ThrowIfNull(escapedPath);
        var destination = Destination;
        if (Volatile.Read(ref _lastPathUri) is { } cached
            && ReferenceEquals(cached.Destination, destination)
            && string.Equals(cached.Path, escapedPath, StringComparison.Ordinal)
            && string.Equals(cached.Query, query, StringComparison.Ordinal))
        {
            return cached.Uri;
        }

        var uri = new Uri(string.Concat(destination.Authority, destination.PathPrefix, escapedPath, query), UriKind.Absolute);
        Volatile.Write(ref _lastPathUri, new PathUriEntry(destination, escapedPath, query, uri));
        return uri;
    }

    internal void SetDestination(Destination destination) => Volatile.Write(ref _destination, destination);

    internal void SetDecay(double decayTicks) => Volatile.Write(ref _decayTicks, decayTicks);

    /// <summary>Sets the active health; returns whether it changed.</summary>
    internal bool SetActiveHealth(DestinationHealth health) =>
        Interlocked.Exchange(ref _activeHealth, (int)health) != (int)health;

    /// <summary>Counts a probe result; returns the run length of that result.</summary>
    internal int RecordProbe(bool passed, ProbeObservation? observation = null)
    {
        if (observation is not null)
        {
            Volatile.Write(ref _lastProbe, observation);
        }

        if (passed)
        {
            Volatile.Write(ref _consecutiveProbeFailures, 0);
            return Interlocked.Increment(ref _consecutiveProbeSuccesses);
        }

        Volatile.Write(ref _consecutiveProbeSuccesses, 0);
        return Interlocked.Increment(ref _consecutiveProbeFailures);
    }

    /// <summary>Forgets the runs of probe results (active checks were turned off).</summary>
    internal void ResetProbeRuns()
    {
        Volatile.Write(ref _consecutiveProbeSuccesses, 0);
        Volatile.Write(ref _consecutiveProbeFailures, 0);
    }

    /// <summary>
    /// Marks the destination ejected until <paramref name="until"/> and raises the multiplier (called under the cluster's lock).
    /// Its run of passed probes starts again, so that only probes after the ejection can readmit it.
    /// </summary>
    internal void Eject(long until, string reason, bool unreachable)
    {
        Volatile.Write(ref _ejectionReason, reason);
        Volatile.Write(ref _ejectedAsUnreachable, unreachable ? 1 : 0);
        Volatile.Write(ref _consecutiveProbeSuccesses, 0);
        Volatile.Write(ref _ejectedUntil, until);
        Interlocked.Increment(ref _ejectionMultiplier);
        Interlocked.Increment(ref _ejectionCount);
    }

    /// <summary>An ejected destination turns out to refuse its connections: it stays ejected, now as known dead (called under the cluster's lock).</summary>
    internal void MarkUnreachable(string reason)
    {
        Volatile.Write(ref _ejectionReason, reason);
        Volatile.Write(ref _ejectedAsUnreachable, 1);
    }

    /// <summary>Ends an ejection and forgets the failures that caused it (called under the cluster's lock).</summary>
    internal void Readmit()
    {
        Volatile.Write(ref _ejectedUntil, 0);
        Volatile.Write(ref _ejectionReason, null);
        Volatile.Write(ref _ejectedAsUnreachable, 0);
        Volatile.Write(ref _consecutive5xx, 0);
        Volatile.Write(ref _consecutiveGatewayFailures, 0);
        Volatile.Write(ref _consecutiveConnectFailures, 0);
    }

    /// <summary>Lowers the ejection multiplier by one (not below zero).</summary>
    internal void DecayEjectionMultiplier()
    {
        int current = Volatile.Read(ref _ejectionMultiplier);
        if (current > 0)
        {
            Interlocked.CompareExchange(ref _ejectionMultiplier, current - 1, current);
        }
    }

    internal void BeginSlowStart(long now) => Volatile.Write(ref _slowStartBegan, now == 0 ? 1 : now);

    internal void EndSlowStart() => Volatile.Write(ref _slowStartBegan, 0);

    internal void BeginRequest() => Interlocked.Increment(ref _inFlight);

    /// <summary>Records a completed request: in-flight, counters and the latency estimate.</summary>
    /// <param name="now">The completion timestamp.</param>
    /// <param name="elapsedTicks">How long the request took, in timestamp units.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="statusCode">The response status, or 0 when there was no response (a transport failure or timeout).</param>
    /// <param name="unreachable">Whether the request never reached the destination (its connection was refused or could not be made).</param>
    internal void EndRequest(long now, long elapsedTicks, RequestOutcome outcome, int statusCode = 0, bool unreachable = false)
    {
        Interlocked.Decrement(ref _inFlight);
        if (outcome == RequestOutcome.Cancelled)
        {
            // The caller gave up: says nothing about the destination.
            return;
        }

        Interlocked.Increment(ref _totalRequests);
        Latencies.Record(elapsedTicks);
        if (outcome == RequestOutcome.Failure)
        {
            Interlocked.Increment(ref _totalFailures);
            Interlocked.Increment(ref _consecutiveFailures);
            int in5xxRow = Interlocked.Increment(ref _consecutive5xx);
            int gatewayInRow;
            if (statusCode == 0 || statusCode is 502 or 503 or 504)
            {
                gatewayInRow = Interlocked.Increment(ref _consecutiveGatewayFailures);
            }
            else
            {
                gatewayInRow = 0;
                Volatile.Write(ref _consecutiveGatewayFailures, 0);
            }

            int unreachableInRow;
            if (unreachable)
            {
                unreachableInRow = Interlocked.Increment(ref _consecutiveConnectFailures);
            }
            else
            {
                unreachableInRow = 0;
                if (Volatile.Read(ref _consecutiveConnectFailures) != 0)
                {
                    Volatile.Write(ref _consecutiveConnectFailures, 0);
                }
            }

            ObserveLatency(now, elapsedTicks);
            OutcomeObserver?.OnFailure(this, in5xxRow, gatewayInRow, unreachableInRow);
            return;
        }

        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Volatile.Write(ref _consecutiveFailures, 0);
        }

        if (Volatile.Read(ref _consecutive5xx) != 0)
        {
            Volatile.Write(ref _consecutive5xx, 0);
        }

        if (Volatile.Read(ref _consecutiveGatewayFailures) != 0)
        {
            Volatile.Write(ref _consecutiveGatewayFailures, 0);
        }

        if (Volatile.Read(ref _consecutiveConnectFailures) != 0)
        {
            Volatile.Write(ref _consecutiveConnectFailures, 0);
        }

        ObserveLatency(now, elapsedTicks);
    }

    /// <summary>
    /// Peak EWMA (Finagle): a latency above the estimate replaces it at once; one below it is blended in
    /// with weight 1 - e^(-Δt/τ), where Δt is the time since the previous observation.
    /// </summary>
    internal void ObserveLatency(long now, long rttTicks)
    {
        double rtt = rttTicks <= 0 ? 1 : rttTicks;
        while (true)
        {
            long oldBits = Volatile.Read(ref _latencyCostBits);
            double cost = BitConverter.Int64BitsToDouble(oldBits);
            double next;
            if (cost == 0 || rtt > cost)
            {
                next = rtt;
            }
            else
            {
                long elapsed = Math.Max(0, now - Volatile.Read(ref _latencyStamp));
                double w = Math.Exp(-elapsed / _decayTicks);
                next = (cost * w) + (rtt * (1 - w));
            }

            if (Interlocked.CompareExchange(ref _latencyCostBits, BitConverter.DoubleToInt64Bits(next), oldBits) == oldBits)
            {
                // A racing update may leave the stamp a little behind; it only makes the next decay slightly larger.
                long stamp = Volatile.Read(ref _latencyStamp);
                if (now > stamp)
                {
                    Interlocked.CompareExchange(ref _latencyStamp, now, stamp);
                }

                return;
            }
        }
    }

    /// <summary>
    /// The address to send a request for <paramref name="logical"/> to: this destination's scheme,
    /// host and port, its path prefix, then the request's own path and query.
    /// </summary>
    internal Uri Rewrite(Uri logical)
    {
        var last = Volatile.Read(ref _lastRewrite);
        var destination = Destination;
        if (last is not null
            && ReferenceEquals(last.Destination, destination)
            && (ReferenceEquals(last.Logical, logical) || string.Equals(last.Logical.OriginalString, logical.OriginalString, StringComparison.Ordinal)))
        {
            return last.Rewritten;
        }

        var rewritten = BuildUri(destination, logical);
        Volatile.Write(ref _lastRewrite, new RewriteEntry(destination, logical, rewritten));
        return rewritten;
    }

    internal static Uri BuildUri(Destination destination, Uri logical)
    {
        string pathAndQuery = logical.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        string text = string.Concat(destination.Authority, destination.PathPrefix, pathAndQuery);
        // The request URI was canonicalised when it was created; parsing its escaped form again is stable.
        return new Uri(text, UriKind.Absolute);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Id}: {Health}, {InFlight} in flight";

    private sealed record RewriteEntry(Destination Destination, Uri Logical, Uri Rewritten);

    private sealed record PathUriEntry(Destination Destination, string Path, string? Query, Uri Uri);
}
