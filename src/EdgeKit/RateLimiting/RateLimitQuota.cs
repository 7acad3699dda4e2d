namespace EdgeKit.RateLimiting;

/// <summary>
/// What a rate-limit decision says about the limit that made it, so a caller can advertise it
/// (the IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> headers) without knowing which limiter decided.
/// Every EdgeKit limiter (local or distributed) exposes one on its leases under <see cref="RateLimitMetadataNames.Quota"/>;
/// a policy with several limits reports the most restrictive one.
/// </summary>
public readonly struct RateLimitQuota : IEquatable<RateLimitQuota>
{
    /// <summary>Creates a quota description.</summary>
    /// <param name="policy">The policy name advertised to clients (a structured-field string; not empty).</param>
    /// <param name="limit">The quota: permits allowed per <paramref name="window"/> (at least 1).</param>
    /// <param name="window">The window the quota applies to (positive).</param>
    /// <param name="remaining">Permits still available now (0 or more; never more than <paramref name="limit"/>).</param>
    /// <param name="resetAfter">Time until the quota is fully available again (zero or positive).</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public RateLimitQuota(string policy, long limit, TimeSpan window, long remaining, TimeSpan resetAfter)
    {
        ArgumentException.ThrowIfNullOrEmpty(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(remaining);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(remaining, limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(resetAfter, TimeSpan.Zero);
        Policy = policy;
        Limit = limit;
        Window = window;
        Remaining = remaining;
        ResetAfter = resetAfter;
    }

    /// <summary>The policy name advertised to clients.</summary>
    public string Policy { get; }

    /// <summary>Permits allowed per <see cref="Window"/> (the header's <c>q</c>).</summary>
    public long Limit { get; }

    /// <summary>The window of the quota (the header's <c>w</c>, in whole seconds when written).</summary>
    public TimeSpan Window { get; }

    /// <summary>Permits still available (the header's <c>r</c>).</summary>
    public long Remaining { get; }

    /// <summary>Time until the quota is fully available again (the header's <c>t</c>, rounded up to whole seconds when written).</summary>
    public TimeSpan ResetAfter { get; }

    /// <inheritdoc />
    public bool Equals(RateLimitQuota other) =>
        Policy == other.Policy && Limit == other.Limit && Window == other.Window && Remaining == other.Remaining && ResetAfter == other.ResetAfter;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RateLimitQuota other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Policy, Limit, Window, Remaining, ResetAfter);

    /// <summary>Compares two quotas by value.</summary>
    public static bool operator ==(RateLimitQuota left, RateLimitQuota right) => left.Equals(right);

    /// <summary>Compares two quotas by value.</summary>
    public static bool operator !=(RateLimitQuota left, RateLimitQuota right) => !left.Equals(right);
}
