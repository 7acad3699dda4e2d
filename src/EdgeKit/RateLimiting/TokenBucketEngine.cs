using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>
/// What EdgeKit's token bucket limiters share: the decision on a bucket (lock-free, allocation-free for 0 or 1 permit),
/// queued waits, counters, and disposal. The limiters only find the bucket.
/// </summary>
internal sealed class TokenBucketEngine : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly StripedCounter _successful = new();
    private readonly StripedCounter _failed = new();
    private long _queued;

    public TokenBucketEngine(TokenBucketRules rules) => Rules = rules;

    public TokenBucketRules Rules { get; }

    public bool IsDisposed => _disposed.IsCancellationRequested;

    public long Queued => Volatile.Read(ref _queued);

    public void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(IsDisposed, owner);

    public void ValidatePermits(int permitCount)
    {
        if (permitCount > Rules.MaxPermits)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount,
                $"{permitCount} permits exceed the smallest limit of policy '{Rules.PolicyName}' ({Rules.MaxPermits}).");
        }
    }

    /// <summary>
    /// Decides at once; <see langword="null"/> when the bucket was evicted or recycled for another key after the
    /// caller found it in generation <paramref name="generation"/> (nothing is taken then: look the key up again).
    /// </summary>
    public RateLimitLease? Attempt(TokenBucketState state, int permitCount, int generation)
    {
        long now = Rules.TimeProvider.GetTimestamp();
        if (permitCount == 0)
        {
            bool available = Rules.HasPermits(state.Tats, now, 0);
            return Recycled(state, generation, 0, false) ? null : Count(state, available, 0);
        }

        var result = Rules.TryTake(state.Tats, now, permitCount, queue: false, out _);
        if (result == AcquireResult.Evicted || Recycled(state, generation, permitCount, result == AcquireResult.Acquired))
        {
            return null;
        }

        return Count(state, result == AcquireResult.Acquired, permitCount);
    }

    // After the decision (the CAS is a full fence): if the bucket changed hands meanwhile, undo what was taken.
    private bool Recycled(TokenBucketState state, int generation, int permitCount, bool taken)
    {
        if (Volatile.Read(ref state.Generation) == generation)
        {
            return false;
        }

        if (taken && permitCount > 0)
        {
            Rules.GiveBack(state.Tats, Rules.Count, permitCount);
        }

        return true;
    }

    /// <summary>Decides at once or reserves a place in the queue; <see langword="null"/> as for <see cref="Attempt"/>.</summary>
    public ValueTask<RateLimitLease>? Acquire(TokenBucketState state, int permitCount, int generation, CancellationToken cancellationToken)
    {
        long now = Rules.TimeProvider.GetTimestamp();
        bool queue = Rules.QueueLimit > 0;
        if (permitCount == 0)
        {
            bool available = Rules.HasPermits(state.Tats, now, 0);
            if (Recycled(state, generation, 0, false))
            {
                return null;
            }

            if (available)
            {
                return new(Count(state, true, 0));
            }

            if (!queue)
            {
                return new(Count(state, false, 0));
            }

            return new(WaitAsync(state, 0, Rules.RetryAfter(state.Tats, now, 1), cancellationToken));
        }

        var result = Rules.TryTake(state.Tats, now, permitCount, queue, out long wait);
        if (result == AcquireResult.Evicted || Recycled(state, generation, permitCount, result == AcquireResult.Acquired))
        {
            return null;
        }

        switch (result)
        {
            case AcquireResult.Acquired when wait <= 0:
                return new(Count(state, true, permitCount));
            case AcquireResult.Acquired:
                if (cancellationToken.IsCancellationRequested)
                {
                    Rules.GiveBack(state.Tats, Rules.Count, permitCount);
                    return ValueTask.FromCanceled<RateLimitLease>(cancellationToken);
                }

                return new(WaitAsync(state, permitCount, Rules.ToTimeSpan(wait), cancellationToken));
            case AcquireResult.Rejected:
                return new(Count(state, false, permitCount));
            default:
                return null;
        }
    }

    public RateLimiterStatistics Statistics(TokenBucketState state) => new()
    {
        CurrentAvailablePermits = Rules.Available(state.Tats, Rules.TimeProvider.GetTimestamp()),
        CurrentQueuedCount = Queued,
        TotalFailedLeases = _failed.Sum(),
        TotalSuccessfulLeases = _successful.Sum(),
    };

    public void Dispose()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
        }
    }

    private RateLimitLease Count(TokenBucketState state, bool acquired, int permitCount)
    {
        if (acquired)
        {
            _successful.Increment();
        }
        else
        {
            _failed.Increment();
        }

        Rules.RecordDecision(acquired);
        return acquired ? state.Accepted(permitCount) : state.Rejected(permitCount);
    }

    // The permits are already reserved (GCRA lets the TAT run ahead by up to QueueLimit permits): waiting is only a
    // timer until they have been refilled. FIFO follows: a reservation made later ends later.
    private async Task<RateLimitLease> WaitAsync(TokenBucketState state, int permitCount, TimeSpan wait, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _queued, Math.Max(permitCount, 1));
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            await Task.Delay(wait, Rules.TimeProvider, linked.Token).ConfigureAwait(false);
            return Count(state, true, permitCount);
        }
        catch (OperationCanceledException)
        {
            if (permitCount > 0)
            {
                Rules.GiveBack(state.Tats, Rules.Count, permitCount);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            _failed.Increment();
            Rules.RecordDecision(false);
            return TokenBucketLease.Failed;
        }
        finally
        {
            Interlocked.Add(ref _queued, -Math.Max(permitCount, 1));
        }
    }
}
