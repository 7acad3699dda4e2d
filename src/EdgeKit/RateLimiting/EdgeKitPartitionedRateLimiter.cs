using System.Threading.RateLimiting;
using EdgeKit.Telemetry;

namespace EdgeKit.RateLimiting;

/// <summary>
/// A <see cref="PartitionedRateLimiter{TResource}"/> giving each client key its own lock-free token bucket (the same
/// algorithm and leases as <see cref="EdgeKitTokenBucketRateLimiter"/>), in bounded memory.
/// </summary>
/// <remarks>
/// <para>A bucket that has refilled to full is equivalent to an absent one, so dropping it loses nothing. Keys live in a
/// fixed-size hash table sized for the cap (lock-free lookups, no resizing), and are also kept
/// in a ring of <see cref="EdgeKitPartitionedRateLimiterOptions{TResource, TPartitionKey}.MaxPartitions"/> slots, in the
/// order they arrived. A new key takes a free slot; once the ring is full, it looks at the next few slots after a clock
/// hand (at most 8) and takes the first whose bucket is full, evicting that key and recycling its bucket (so a flood of
/// new keys allocates nothing once the ring is full). There is no periodic scan: eviction
/// costs O(1) per new key and nothing per known key. Known keys are looked up without a lock; only a new key takes a
/// short lock.</para>
/// <para>When the cap is reached and none of the probed buckets is full, the new key is not tracked and
/// <see cref="EdgeKitPartitionedRateLimiterOptions{TResource, TPartitionKey}.OverflowBehavior"/> decides: by default it
/// shares one overflow bucket with every other untracked key (never more permissive than its own bucket).</para>
/// </remarks>
/// <typeparam name="TResource">What a request is.</typeparam>
/// <typeparam name="TPartitionKey">The client key.</typeparam>
public sealed class EdgeKitPartitionedRateLimiter<TResource, TPartitionKey> : PartitionedRateLimiter<TResource>
    where TPartitionKey : notnull
{
    private readonly Func<TResource, TPartitionKey> _keySelector;
    private readonly TokenBucketEngine _engine;
    private readonly PartitionTable<TPartitionKey> _partitions;
    private readonly PartitionTable<TPartitionKey>.Entry?[] _ring;
    private readonly TokenBucketState _overflow;
    private readonly bool _rejectOverflow;
    private readonly RateLimitLease _overflowRejected;
    private readonly Lock _gate = new();
    private int _filled;
    private int _hand;
    private long _overflows;

    /// <summary>Creates the limiter. The options are copied: later changes to them have no effect.</summary>
    /// <param name="options">The key selector, limits and bounds.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (no key selector, no limit, <c>MaxPartitions</c> below 1, ...).</exception>
    public EdgeKitPartitionedRateLimiter(EdgeKitPartitionedRateLimiterOptions<TResource, TPartitionKey> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keySelector = options.PartitionKeySelector ?? throw new ArgumentException("PartitionKeySelector is required.", nameof(options));
        if (options.MaxPartitions < 1)
        {
            throw new ArgumentException($"MaxPartitions must be at least 1 (was {options.MaxPartitions}).", nameof(options));
        }

        if (!Enum.IsDefined(options.OverflowBehavior))
        {
            throw new ArgumentException($"OverflowBehavior {(int)options.OverflowBehavior} is not defined.", nameof(options));
        }

        timeProvider ??= TimeProvider.System;
        var rules = new TokenBucketRules(options.Limits, options.QueueLimit, options.PolicyName, timeProvider, nameof(options));
        _engine = new TokenBucketEngine(rules);
        _partitions = new PartitionTable<TPartitionKey>(options.MaxPartitions, options.KeyComparer ?? EqualityComparer<TPartitionKey>.Default);
        _ring = new PartitionTable<TPartitionKey>.Entry?[options.MaxPartitions];
        _overflow = new TokenBucketState(rules, timeProvider.GetTimestamp());
        _rejectOverflow = options.OverflowBehavior == PartitionOverflowBehavior.Reject;
        long shortest = long.MaxValue;
        foreach (var limit in rules.Limits)
        {
            shortest = Math.Min(shortest, limit.Window.Ticks / limit.PermitLimit);
        }

        _overflowRejected = new OverflowLease(TimeSpan.FromTicks(Math.Max(1, shortest)));
    }

    /// <summary>The keys tracked now (at most <c>MaxPartitions</c>).</summary>
    public int TrackedPartitionCount => _partitions.Count;

    /// <summary>Requests whose key could not be tracked because the cap was reached and no bucket could be evicted.</summary>
    public long OverflowCount => Volatile.Read(ref _overflows);

    /// <summary>Statistics of the bucket of <paramref name="resource"/>'s key (a full bucket when the key is not tracked).</summary>
    /// <param name="resource">The request.</param>
    /// <returns>The statistics; the lease counters are the whole limiter's.</returns>
    public override RateLimiterStatistics? GetStatistics(TResource resource)
    {
        _engine.ThrowIfDisposed(this);
        var key = _keySelector(resource);
        if (_partitions.Find(key, _partitions.Hash(key), out _) is { } partition)
        {
            return _engine.Statistics(partition);
        }

        var stats = _engine.Statistics(_overflow);
        return new RateLimiterStatistics
        {
            CurrentAvailablePermits = _engine.Rules.MaxPermits,
            CurrentQueuedCount = 0,
            TotalFailedLeases = stats.TotalFailedLeases,
            TotalSuccessfulLeases = stats.TotalSuccessfulLeases,
        };
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="permitCount"/> exceeds the smallest limit.</exception>
    /// <exception cref="ObjectDisposedException">The limiter is disposed.</exception>
    protected override RateLimitLease AttemptAcquireCore(TResource resource, int permitCount)
    {
        _engine.ValidatePermits(permitCount);
        _engine.ThrowIfDisposed(this);
        var key = _keySelector(resource);
        while (true)
        {
            var state = Find(key, out int generation);
            if (state is null)
            {
                return _overflowRejected;
            }

            var lease = _engine.Attempt(state, permitCount, generation);
            if (lease is not null)
            {
                return lease;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="permitCount"/> exceeds the smallest limit.</exception>
    /// <exception cref="ObjectDisposedException">The limiter is disposed.</exception>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(TResource resource, int permitCount, CancellationToken cancellationToken)
    {
        _engine.ValidatePermits(permitCount);
        _engine.ThrowIfDisposed(this);
        var key = _keySelector(resource);
        while (true)
        {
            var state = Find(key, out int generation);
            if (state is null)
            {
                return new(_overflowRejected);
            }

            var lease = _engine.Acquire(state, permitCount, generation, cancellationToken);
            if (lease is not null)
            {
                return lease.Value;
            }
        }
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

    private TokenBucketState? Find(TPartitionKey key, out int generation)
    {
        int hash = _partitions.Hash(key);
        return _partitions.Find(key, hash, out generation) ?? Track(key, hash, out generation);
    }

    private TokenBucketState? Track(TPartitionKey key, int hash, out int generation)
    {
        lock (_gate)
        {
            if (_partitions.Find(key, hash, out generation) is { } existing)
            {
                return existing;
            }

            long now = _engine.Rules.TimeProvider.GetTimestamp();
            var partition = Recycle(key, hash, now);
            if (partition is null && _filled < _ring.Length)
            {
                partition = new PartitionTable<TPartitionKey>.Entry(_engine.Rules, now, key, hash);
                _ring[_filled++] = partition;
                RecordPartitions(+1);
            }

            if (partition is null)
            {
                generation = 0;
                Interlocked.Increment(ref _overflows);
                if (EdgeKitMetrics.RateLimitOverflows.Enabled)
                {
                    EdgeKitMetrics.RateLimitOverflows.Add(1, new KeyValuePair<string, object?>(EdgeKitMetrics.RateLimitPolicyTag, _engine.Rules.PolicyName));
                }

                return _rejectOverflow ? null : _overflow;
            }

            _partitions.Add(partition);
            generation = Volatile.Read(ref partition.Generation);
            return partition;
        }
    }

    // Under _gate. Once the ring is full: the first of the next EvictionProbes partitions after the hand whose bucket
    // is full, evicted, unlinked and given to the new key (no allocation); null when none is full or the ring is not full.
    private PartitionTable<TPartitionKey>.Entry? Recycle(TPartitionKey key, int hash, long now)
    {
        if (_filled < _ring.Length)
        {
            return null;
        }

        for (int probe = 0; probe < EdgeKitPartitionedRateLimiterOptions<TResource, TPartitionKey>.EvictionProbes; probe++)
        {
            int slot = _hand;
            _hand = slot + 1 == _ring.Length ? 0 : slot + 1;
            var victim = _ring[slot]!;
            if (TryEvict(victim, now))
            {
                _partitions.Remove(victim);
                victim.Recycle(key, hash, now);
                return victim;
            }
        }

        return null;
    }

    // Marks the victim evicted only if it is full: its first TAT goes to the sentinel by CAS, so a concurrent acquire
    // either lands before (and the bucket is no longer full: the CAS fails) or sees the sentinel and looks the key up again.
    private static bool TryEvict(PartitionTable<TPartitionKey>.Entry victim, long now)
    {
        long first = Volatile.Read(ref victim.Tats[0]);
        return first <= now
            && TokenBucketRules.IsFull(victim.Tats, now)
            && Interlocked.CompareExchange(ref victim.Tats[0], TokenBucketRules.Evicted, first) == first;
    }

    private void RecordPartitions(int delta)
    {
        if (EdgeKitMetrics.RateLimitPartitions.Enabled)
        {
            EdgeKitMetrics.RateLimitPartitions.Add(delta, new KeyValuePair<string, object?>(EdgeKitMetrics.RateLimitPolicyTag, _engine.Rules.PolicyName));
        }
    }

    private sealed class OverflowLease(TimeSpan retryAfter) : RateLimitLease
    {
        private static readonly string[] s_names = [MetadataName.RetryAfter.Name];

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => s_names;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}
