using EdgeKit.Destinations;

namespace EdgeKit.Http;

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
    public RequestAttempts(Uri? logicalUri, bool tracksInFlight = false)
    {
        LogicalUri = logicalUri;
        TracksInFlight = tracksInFlight;
    }

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
}
