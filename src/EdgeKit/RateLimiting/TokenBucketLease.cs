using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>
/// A lease of an EdgeKit token bucket. Token bucket leases hold nothing (disposing returns nothing), so the limiter
/// hands out the same two instances per bucket for single-permit requests: acquiring allocates nothing, accepted or
/// rejected. Their metadata is therefore computed when read, from the bucket's state at that moment:
/// <see cref="MetadataName.RetryAfter"/> (rejected leases) is the exact wait, from the moment it is read, until the
/// requested permits can be taken; <see cref="RateLimitMetadataNames.Quota"/> is the most restrictive limit's quota
/// at that moment. Read right after the decision (as the gateway does) both describe the decision; read later they are
/// fresher, never staler.
/// </summary>
internal sealed class TokenBucketLease : RateLimitLease
{
    private static readonly string[] s_acceptedNames = [RateLimitMetadataNames.Quota.Name];
    private static readonly string[] s_rejectedNames = [MetadataName.RetryAfter.Name, RateLimitMetadataNames.Quota.Name];

    private readonly TokenBucketRules _rules;
    private readonly long[] _tats;
    private readonly int _permits;

    public TokenBucketLease(TokenBucketRules rules, long[] tats, bool acquired, int permits)
    {
        _rules = rules;
        _tats = tats;
        IsAcquired = acquired;
        _permits = permits;
    }

    /// <summary>A lease that is not acquired and carries no metadata (a disposed limiter, a cancelled wait).</summary>
    public static RateLimitLease Failed { get; } = new FailedLease();

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => IsAcquired ? s_acceptedNames : s_rejectedNames;

    /// <summary>The quota now, unboxed (<see cref="RateLimitLeaseExtensions.TryGetQuota"/>).</summary>
    public RateLimitQuota Quota() => _rules.Quota(_tats, _rules.TimeProvider.GetTimestamp());

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (metadataName == RateLimitMetadataNames.Quota.Name)
        {
            metadata = Quota();
            return true;
        }

        if (!IsAcquired && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = _rules.RetryAfter(_tats, _rules.TimeProvider.GetTimestamp(), _permits);
            return true;
        }

        metadata = null;
        return false;
    }

    private sealed class FailedLease : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
