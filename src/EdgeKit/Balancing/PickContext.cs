using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>What a picker knows about the request it picks a destination for.</summary>
/// <remarks>A small value passed by reference; creating one allocates nothing.</remarks>
public readonly struct PickContext
{
    /// <summary>Creates a pick context.</summary>
    /// <param name="timestamp">The current <see cref="TimeProvider.GetTimestamp"/> of the cluster's time provider.</param>
    /// <param name="requestKey">The request's key for hashing or affinity (a user id, a session id, ...), or <see langword="null"/>.</param>
    /// <param name="excluded">Destinations to avoid if any other is available (for example those an earlier attempt of this request failed on).</param>
    public PickContext(long timestamp, string? requestKey = null, IReadOnlyList<DestinationState>? excluded = null)
    {
        Timestamp = timestamp;
        RequestKey = requestKey;
        Excluded = excluded;
    }

    /// <summary>The current timestamp of the cluster's <see cref="TimeProvider"/>.</summary>
    public long Timestamp { get; }

    /// <summary>The request's key for consistent hashing or session affinity; <see langword="null"/> when the request has none.</summary>
    public string? RequestKey { get; }

    /// <summary>Destinations to avoid when another is available; <see langword="null"/> when none.</summary>
    public IReadOnlyList<DestinationState>? Excluded { get; }

    /// <summary>Whether <paramref name="destination"/> is in <see cref="Excluded"/>.</summary>
    /// <param name="destination">The destination to test.</param>
    /// <returns><see langword="true"/> when the destination should be avoided.</returns>
    public bool IsExcluded(DestinationState destination)
    {
        var excluded = Excluded;
        if (excluded is null)
        {
            return false;
        }

        for (int i = 0; i < excluded.Count; i++)
        {
            if (ReferenceEquals(excluded[i], destination))
            {
                return true;
            }
        }

        return false;
    }
}
