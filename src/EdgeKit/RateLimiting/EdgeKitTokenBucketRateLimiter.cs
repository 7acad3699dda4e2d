using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>
/// A lock-free token bucket <see cref="RateLimiter"/> with one or more limits checked together (for example 10 per
/// second and 1000 per hour): a request takes its permits from every limit or from none.
/// </summary>
/// <remarks>
/// <para>Refill is computed from the <see cref="TimeProvider"/> when a request arrives (GCRA: one timestamp per limit,
/// updated by compare-and-swap): no timer, no lock, no allocation for requests of 0 or 1 permit, accepted or rejected.</para>
/// <para>Rejected leases carry <see cref="MetadataName.RetryAfter"/>, the exact wait (not rounded to a period) until
/// the permits can be taken; every lease carries <see cref="RateLimitMetadataNames.Quota"/>. Both are computed when
/// read (see <c>docs/rate-limiting.md</c>).</para>
/// <para>With <see cref="EdgeKitTokenBucketRateLimiterOptions.QueueLimit"/> above 0, <c>AcquireAsync</c> waits, first
/// in first out, for up to that many permits beyond those available; a cancelled wait gives its permits back.</para>
/// </remarks>
public sealed class EdgeKitTokenBucketRateLimiter : RateLimiter
{
    private readonly TokenBucketEngine _engine;
    private readonly TokenBucketState _state;

    /// <summary>Creates the limiter. The options are copied: later changes to them have no effect.</summary>
    /// <param name="options">The limits, queue limit and policy name.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (no limit, a limit below 1 permit, a window not positive, ...).</exception>
    public EdgeKitTokenBucketRateLimiter(EdgeKitTokenBucketRateLimiterOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        timeProvider ??= TimeProvider.System;
        var rules = new TokenBucketRules(options.Limits, options.QueueLimit, options.PolicyName, timeProvider, nameof(options));
        _engine = new TokenBucketEngine(rules);
        _state = new TokenBucketState(rules, timeProvider.GetTimestamp());
    }

    /// <summary>
    /// How long every limit has been full (nothing to refill), or <see langword="null"/> while one is refilling.
    /// </summary>
    public override TimeSpan? IdleDuration => _engine.Rules.IdleDuration(_state.Tats, _engine.Rules.TimeProvider.GetTimestamp());

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics()
    {
        _engine.ThrowIfDisposed(this);
        return _engine.Statistics(_state);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="permitCount"/> exceeds the smallest limit.</exception>
    /// <exception cref="ObjectDisposedException">The limiter is disposed.</exception>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        _engine.ValidatePermits(permitCount);
        _engine.ThrowIfDisposed(this);
        return _engine.Attempt(_state, permitCount, generation: 0)!;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="permitCount"/> exceeds the smallest limit.</exception>
    /// <exception cref="ObjectDisposedException">The limiter is disposed.</exception>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        _engine.ValidatePermits(permitCount);
        _engine.ThrowIfDisposed(this);
        return _engine.Acquire(_state, permitCount, generation: 0, cancellationToken)!.Value;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _engine.Dispose();
        }
    }

    /// <inheritdoc />
    protected override ValueTask DisposeAsyncCore()
    {
        _engine.Dispose();
        return ValueTask.CompletedTask;
    }
}
