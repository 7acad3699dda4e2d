using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// A Redis rate limiter's lease. A decision (from Redis, the over-limit cache or the failure mode) carries
/// <see cref="MetadataName.RetryAfter"/> and <see cref="RateLimitMetadataNames.Quota"/>; leases that are not a decision
/// of Redis also carry <see cref="MetadataName.ReasonPhrase"/>.
/// </summary>
internal sealed class RedisRateLimitLease : RateLimitLease
{
    private static readonly string[] s_decisionNames = [MetadataName.RetryAfter.Name, RateLimitMetadataNames.Quota.Name];
    private static readonly string[] s_decisionWithReasonNames = [MetadataName.RetryAfter.Name, RateLimitMetadataNames.Quota.Name, MetadataName.ReasonPhrase.Name];
    private static readonly string[] s_reasonNames = [MetadataName.ReasonPhrase.Name];

    private readonly TimeSpan? _retryAfter;
    private readonly RateLimitQuota? _quota;
    private readonly string? _reason;

    private RedisRateLimitLease(bool isAcquired, TimeSpan? retryAfter, RateLimitQuota? quota, string? reason)
    {
        IsAcquired = isAcquired;
        _retryAfter = retryAfter;
        _quota = quota;
        _reason = reason;
    }

    /// <summary>The lease of a decision.</summary>
    public static RedisRateLimitLease Decision(bool isAcquired, TimeSpan retryAfter, RateLimitQuota quota, string? reason = null) =>
        new(isAcquired, retryAfter, quota, reason);

    /// <summary>A lease that is not a decision: <see cref="IsAcquired"/> false and only a reason.</summary>
    public static RedisRateLimitLease NotDecided(string reason) => new(false, null, null, reason);

    /// <inheritdoc/>
    public override bool IsAcquired { get; }

    /// <inheritdoc/>
    public override IEnumerable<string> MetadataNames =>
        _quota is null ? s_reasonNames : _reason is null ? s_decisionNames : s_decisionWithReasonNames;

    /// <inheritdoc/>
    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (_retryAfter is { } retryAfter && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = retryAfter;
            return true;
        }

        if (_quota is { } quota && metadataName == RateLimitMetadataNames.Quota.Name)
        {
            metadata = quota;
            return true;
        }

        if (_reason is not null && metadataName == MetadataName.ReasonPhrase.Name)
        {
            metadata = _reason;
            return true;
        }

        metadata = null;
        return false;
    }
}
