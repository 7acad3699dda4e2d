namespace EdgeKit.Caching;

/// <summary>What RFC 9111 derives from a stored response's header fields; computed once per entry.</summary>
internal sealed class CacheEntryAnalysis
{
    /// <summary>RFC 9111 §4.2.1 <c>freshness_lifetime</c>.</summary>
    public required TimeSpan FreshnessLifetime { get; init; }

    /// <summary>RFC 9111 §4.2.3 <c>corrected_initial_age</c>: the age when it was received.</summary>
    public required TimeSpan CorrectedInitialAge { get; init; }

    /// <summary>Response <c>no-cache</c>: never served without a successful revalidation.</summary>
    public required bool NoCache { get; init; }

    /// <summary><c>must-revalidate</c>, or in a shared cache <c>proxy-revalidate</c> or <c>s-maxage</c>: never served stale.</summary>
    public required bool MustRevalidate { get; init; }

    /// <summary>RFC 5861 <c>stale-while-revalidate</c> window.</summary>
    public required TimeSpan? StaleWhileRevalidate { get; init; }

    /// <summary>RFC 5861 <c>stale-if-error</c> window.</summary>
    public required TimeSpan? StaleIfError { get; init; }

    public required string? ETag { get; init; }

    public required string? LastModified { get; init; }

    public bool HasValidator => ETag is not null || LastModified is not null;
}
