namespace EdgeKit.Caching;

/// <summary>
/// Whether a response may be stored (RFC 9111 §3), from <see cref="HttpCache.DecideStore"/>; when it may, the host
/// buffers the body and passes the decision to <see cref="HttpCache.StoreAsync"/>, which needs what it carries.
/// </summary>
public readonly struct StoreDecision
{
    internal StoreDecision(bool storable, string? reason, TimeSpan timeToLive, string[] varyFields, CacheEntryAnalysis? analysis)
    {
        Storable = storable;
        Reason = reason;
        TimeToLive = timeToLive;
        VaryFields = varyFields;
        Analysis = analysis;
    }

    /// <summary>Whether the response may be stored.</summary>
    public bool Storable { get; }

    /// <summary>
    /// Why it may not (the <c>detail</c> of the <c>Cache-Status</c> member, e.g. <c>no-store</c>, <c>private</c>,
    /// <c>too-large</c>); null when it may.
    /// </summary>
    public string? Reason { get; }

    /// <summary>How long the store keeps the entry: its freshness left plus the longest stale window it may be used in.</summary>
    internal TimeSpan TimeToLive { get; }

    /// <summary>The request fields (lower case, sorted) the response varies on; empty when it does not vary.</summary>
    internal string[] VaryFields { get; }

    /// <summary>What RFC 9111 derives from the response's header fields, kept with the stored entry.</summary>
    internal CacheEntryAnalysis? Analysis { get; }

    internal static StoreDecision No(string reason) => new(false, reason, TimeSpan.Zero, [], null);
}
