using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>One bucket: the TAT of each limit, and its cached single-permit leases (created on first use).</summary>
internal class TokenBucketState
{
    private RateLimitLease? _accepted;
    private RateLimitLease? _rejected;

    public TokenBucketState(TokenBucketRules rules, long now)
    {
        Rules = rules;
        Tats = rules.NewState(now);
    }

    public TokenBucketRules Rules { get; }

    public long[] Tats { get; }

    /// <summary>Bumped each time a partitioned limiter recycles this bucket for another key (0 otherwise).</summary>
    public int Generation;

    /// <summary>An accepted lease for <paramref name="permits"/>; the cached one for 0 or 1.</summary>
    public RateLimitLease Accepted(int permits) =>
        permits <= 1 ? _accepted ??= new TokenBucketLease(Rules, Tats, acquired: true, 1) : new TokenBucketLease(Rules, Tats, acquired: true, permits);

    /// <summary>A rejected lease for <paramref name="permits"/>; the cached one for 0 or 1.</summary>
    public RateLimitLease Rejected(int permits) =>
        permits <= 1 ? _rejected ??= new TokenBucketLease(Rules, Tats, acquired: false, 1) : new TokenBucketLease(Rules, Tats, acquired: false, permits);
}
