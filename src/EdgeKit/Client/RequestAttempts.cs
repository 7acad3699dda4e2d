using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Client;

/// <summary>
/// What the attempts of one logical request share: its logical URI, the destinations that failed it (so
/// later attempts avoid them) and, for a hedged request, the destinations its attempts are in flight on (so a
/// hedged attempt goes elsewhere).
/// </summary>
/// <remarks>
/// Created lazily by <see cref="BalancingHandler"/> when an attempt fails (retries of the same
/// <see cref="HttpRequestMessage"/>), or up front by EdgeKit's resilience handler, which carries it to every
/// attempt, hedged copies included. Lists are immutable arrays swapped with a compare-and-swap: reading them on
/// the request path neither locks nor allocates.
/// </remarks>
internal class RequestAttempts
{
    private DestinationState[] _failed = [];
    private DestinationState[] _inFlight = [];

    /// <summary>Creates the shared state of one request.</summary>
    /// <param name="logicalUri">The request's URI before any destination rewrote it (for example <c>http://orders/items</c>).</param>
    /// <param name="tracksInFlight">Whether attempts register the destination they are in flight on (only hedged requests need it).</param>
    /// <param name="cluster">The cluster the attempts go to, for the lifecycle the lanes run (<see cref="AttemptLane.Begin"/>); null for a bare request's record.</param>
    /// <param name="logger">Where the lanes log an attempt timeout; null for a bare request's record.</param>
    public RequestAttempts(Uri? logicalUri, bool tracksInFlight = false, Cluster? cluster = null, ILogger? logger = null)
    {
        LogicalUri = logicalUri;
        TracksInFlight = tracksInFlight;
        Cluster = cluster;
        Logger = logger;
    }

    /// <summary>The cluster the attempts go to; null for a bare request's record (see <see cref="BalancingHandler"/>).</summary>
    public Cluster? Cluster { get; }

    /// <summary>Where an attempt timeout is logged; null for a bare request's record.</summary>
    public ILogger? Logger { get; }

    /// <summary>The request's URI before any destination rewrote it.</summary>
    public Uri? LogicalUri { get; }

    /// <summary>Whether attempts register the destination they are in flight on.</summary>
    public bool TracksInFlight { get; }

    /// <summary>The destinations an attempt of this request failed on; <see langword="null"/> when none.</summary>
    public IReadOnlyList<DestinationState>? Failed
    {
        get
        {
            var failed = Volatile.Read(ref _failed);
            return failed.Length == 0 ? null : failed;
        }
    }

    /// <summary>The destinations an attempt of this request is in flight on; empty unless <see cref="TracksInFlight"/>.</summary>
    public IReadOnlyList<DestinationState> InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The destinations the next attempt should avoid while another is available: those that failed, and those
    /// other attempts are in flight on. <see langword="null"/> when none.
    /// </summary>
    public IReadOnlyList<DestinationState>? Excluded
    {
        get
        {
            var failed = Volatile.Read(ref _failed);
            var inFlight = Volatile.Read(ref _inFlight);
            if (inFlight.Length == 0)
            {
                return failed.Length == 0 ? null : failed;
            }

            // Only a hedged request with attempts in flight gets here; a rare, small copy.
            return failed.Length == 0 ? inFlight : [.. failed, .. inFlight];
        }
    }

    /// <summary>Remembers that an attempt failed on <paramref name="destination"/>.</summary>
    public void AddFailed(DestinationState destination)
    {
        while (true)
        {
            var current = Volatile.Read(ref _failed);
            if (Array.IndexOf(current, destination) >= 0)
            {
                return;
            }

            DestinationState[] next = [.. current, destination];
            if (Interlocked.CompareExchange(ref _failed, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Registers an attempt in flight on <paramref name="destination"/> (a destination may appear more than once).</summary>
    public void AddInFlight(DestinationState destination)
    {
        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            DestinationState[] next = [.. current, destination];
            if (Interlocked.CompareExchange(ref _inFlight, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Unregisters one attempt in flight on <paramref name="destination"/>.</summary>
    public void RemoveInFlight(DestinationState destination)
    {
        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            int index = Array.IndexOf(current, destination);
            if (index < 0)
            {
                return;
            }

            var next = new DestinationState[current.Length - 1];
            Array.Copy(current, 0, next, 0, index);
            Array.Copy(current, index + 1, next, index, current.Length - index - 1);
            if (Interlocked.CompareExchange(ref _inFlight, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>
    /// How one attempt ended for its destination, the same for every transport that runs attempts (the balancing handler
    /// and the gateway's forwarder): the outcome and <c>error.type</c> for its lease, whether the next attempt should avoid
    /// the destination, and whether it was cut off by the per-attempt timeout.
    /// </summary>
    /// <param name="exception">What the transport threw; <see langword="null"/> when a response arrived.</param>
    /// <param name="status">The response's status; 0 without one.</param>
    /// <param name="lane">The attempt's lane under EdgeKit's resilience; <see langword="null"/> for a bare request.</param>
    /// <param name="cancellationToken">The attempt's token.</param>
    public static AttemptEnd Classify(Exception? exception, int status, AttemptLane? lane, CancellationToken cancellationToken)
    {
        if (exception is null)
        {
            return new AttemptEnd(RequestOutcomes.FromStatusCode(status), null, Failed: status >= 500 || status == 408 || status == 429, TimedOut: false);
        }

        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            bool timedOut = lane is not null && lane.IsAttemptTimeout(cancellationToken);
            // Without EdgeKit's resilience handler a per-attempt timeout of an outer handler looks exactly like the
            // caller's cancellation; only the former is followed by a retry, and that retry must not go back to the
            // destination that did not answer in time, so the attempt is remembered. With it, a cancellation that is not
            // the attempt timeout ends the request (or a hedged copy that lost).
            return timedOut
                ? new AttemptEnd(RequestOutcome.Failure, RequestErrorTypes.Timeout, Failed: true, TimedOut: true)
                : new AttemptEnd(RequestOutcome.Cancelled, null, Failed: lane is null, TimedOut: false);
        }

        return new AttemptEnd(RequestOutcome.Failure, RequestErrorTypes.FromException(exception), Failed: true, TimedOut: false);
    }

    /// <summary>Counts (and at debug level logs) an attempt that its per-attempt timeout cut off.</summary>
    public static void RecordAttemptTimeout(ILogger logger, string cluster, DestinationState destination, TimeSpan elapsed)
    {
        if (EdgeKitMetrics.AttemptTimeouts.Enabled)
        {
            EdgeKitMetrics.AttemptTimeouts.Add(1, EdgeKitMetrics.DestinationTags(cluster, destination.Id));
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            EdgeKitLog.AttemptTimedOut(logger, cluster, destination.Id, elapsed);
        }
    }
}

/// <summary>How one attempt ended; see <see cref="RequestAttempts.Classify"/>.</summary>
/// <param name="Outcome">The outcome for the attempt's lease.</param>
/// <param name="ErrorType">The <c>error.type</c> of a failure without a status.</param>
/// <param name="Failed">Whether the next attempt of the request should avoid the destination.</param>
/// <param name="TimedOut">Whether the per-attempt timeout cut the attempt off.</param>
internal readonly record struct AttemptEnd(RequestOutcome Outcome, string? ErrorType, bool Failed, bool TimedOut);
