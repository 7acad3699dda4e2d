using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;

namespace EdgeKit.Tests.RateLimiting;

[Collection(AllocationCollection.Name)]
public sealed class EdgeKitPartitionedRateLimiterTests : RateLimiterContractTests
{
    protected override bool ReportsIdleDuration => false;

    // The contract, run on one key of a partitioned limiter.
    protected override RateLimiter Create(int permitLimit, TimeSpan window, int queueLimit = 0) =>
        new SingleKey(CreatePartitioned(permitLimit, window, queueLimit: queueLimit), "client");

    private EdgeKitPartitionedRateLimiter<string, string> CreatePartitioned(
        int permitLimit, TimeSpan window, int maxPartitions = 1000, int queueLimit = 0,
        PartitionOverflowBehavior overflow = PartitionOverflowBehavior.SharedPartition) =>
        new(new EdgeKitPartitionedRateLimiterOptions<string, string>
        {
            PartitionKeySelector = key => key,
            Limits = [new TokenBucketLimit(permitLimit, window)],
            MaxPartitions = maxPartitions,
            QueueLimit = queueLimit,
            OverflowBehavior = overflow,
            PolicyName = "per-client",
        }, Time);

    [Fact]
    public void Each_key_has_its_own_bucket()
    {
        using var limiter = CreatePartitioned(3, TimeSpan.FromSeconds(1));
        Drain(limiter, "a", 10).Should().Be(3);
        Drain(limiter, "b", 10).Should().Be(3);
        Drain(limiter, "a", 10).Should().Be(0);
        limiter.TrackedPartitionCount.Should().Be(2);
    }

    [Fact]
    public void A_million_keys_stay_within_the_cap_and_bounded_memory()
    {
        const int cap = 10_000;
        using var limiter = CreatePartitioned(10, TimeSpan.FromSeconds(1), maxPartitions: cap);
        long heapAfterWarmUp = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            // 10 µs per new key: a bucket is full again (100 ms after its one permit) by the time the hand comes back to it.
            Time.Advance(TimeSpan.FromTicks(100));
            limiter.AttemptAcquire($"client-{i}").IsAcquired.Should().BeTrue();
            if (i == 100_000)
            {
                heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        long heapAfterMillion = GC.GetTotalMemory(forceFullCollection: true);
        limiter.TrackedPartitionCount.Should().BeLessThanOrEqualTo(cap);
        limiter.OverflowCount.Should().Be(0, "every evicted bucket had refilled");
        (heapAfterMillion - heapAfterWarmUp).Should().BeLessThan(4 * 1024 * 1024, "900,000 more keys must not grow the heap");
    }

    [Fact]
    public void Untracked_keys_share_one_bucket_when_no_partition_can_be_evicted()
    {
        using var limiter = CreatePartitioned(5, TimeSpan.FromHours(1), maxPartitions: 100);
        int accepted = 0;
        for (int i = 0; i < 1000; i++)
        {
            accepted += Drain(limiter, $"k{i}", 1);
        }

        accepted.Should().Be(100 + 5, "100 tracked keys took one permit each; the other 900 shared one bucket of 5");
        limiter.TrackedPartitionCount.Should().Be(100);
        limiter.OverflowCount.Should().Be(900);
    }

    [Fact]
    public void Untracked_keys_are_rejected_when_configured()
    {
        using var limiter = CreatePartitioned(5, TimeSpan.FromSeconds(1), maxPartitions: 1, overflow: PartitionOverflowBehavior.Reject);
        Drain(limiter, "a", 1).Should().Be(1);

        using var lease = limiter.AttemptAcquire("b");

        lease.IsAcquired.Should().BeFalse();
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Only_a_full_bucket_is_evicted_so_no_client_state_is_lost()
    {
        using var limiter = CreatePartitioned(5, TimeSpan.FromSeconds(1), maxPartitions: 1, overflow: PartitionOverflowBehavior.Reject);
        Drain(limiter, "a", 5).Should().Be(5);
        Drain(limiter, "b", 1).Should().Be(0, "a is still refilling: evicting it would hand it a fresh bucket");
        Drain(limiter, "a", 1).Should().Be(0, "a keeps its state");

        Time.Advance(TimeSpan.FromSeconds(1));
        Drain(limiter, "b", 1).Should().Be(1, "a is full again: equivalent to absent, so b takes its place");
        limiter.TrackedPartitionCount.Should().Be(1);
    }

    [Fact]
    public async Task Concurrent_new_keys_never_exceed_the_cap_or_the_limits()
    {
        using var limiter = CreatePartitioned(1, TimeSpan.FromHours(1), maxPartitions: 50);
        int accepted = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                if (limiter.AttemptAcquire($"k{i % 200}").IsAcquired)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        })));

        accepted.Should().Be(51, "50 tracked keys once each, and the shared overflow bucket once");
        limiter.TrackedPartitionCount.Should().Be(50);
    }

    [Fact]
    public async Task Eviction_under_concurrency_never_gives_a_key_more_than_its_limits()
    {
        // 2 permits per 10 ms (one every 5 ms), 2 limits so the all-or-nothing path is exercised; 64 keys fight over 16
        // slots while the clock moves. Whatever the interleaving, a key can never have been granted more than its burst
        // plus what refilled during the run.
        using var limiter = new EdgeKitPartitionedRateLimiter<string, string>(new EdgeKitPartitionedRateLimiterOptions<string, string>
        {
            PartitionKeySelector = key => key,
            Limits = [new TokenBucketLimit(2, TimeSpan.FromMilliseconds(10)), new TokenBucketLimit(200, TimeSpan.FromSeconds(1))],
            MaxPartitions = 16,
            OverflowBehavior = PartitionOverflowBehavior.Reject,
        }, Time);
        var accepted = new int[64];
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (int i = 0; i < 20_000; i++)
            {
                if (i % 40 == 0)
                {
                    Time.Advance(TimeSpan.FromMilliseconds(0.25)); // 4 workers × 500 × 0.25 ms = 500 ms in all
                }

                int key = random.Next(64);
                if (limiter.AttemptAcquire("k" + key).IsAcquired)
                {
                    Interlocked.Increment(ref accepted[key]);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        // 500 ms: at most 2 + 500 / 5 = 102 per key, and 200 (burst of the second limit) + 100 refilled.
        accepted.Max().Should().BeLessThanOrEqualTo(102);
        accepted.Sum().Should().BeGreaterThan(64, "keys were evicted and re-tracked, and granted permits");
        limiter.TrackedPartitionCount.Should().BeLessThanOrEqualTo(16);
    }

    [Fact]
    public void Known_key_accept_and_reject_allocate_nothing()
    {
        using var limiter = CreatePartitioned(1000, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 2000; i++)
        {
            limiter.AttemptAcquire("client").Dispose();
        }

        Time.Advance(TimeSpan.FromSeconds(1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            limiter.AttemptAcquire("client").Dispose();
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Once_the_cap_is_reached_new_keys_recycle_evicted_buckets_and_allocate_nothing()
    {
        using var limiter = CreatePartitioned(10, TimeSpan.FromSeconds(1), maxPartitions: 100);
        var keys = Enumerable.Range(0, 2000).Select(i => $"client-{i}").ToArray();
        for (int i = 0; i < 200; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
            limiter.AttemptAcquire(keys[i]).Dispose(); // fills the ring, then recycles; every bucket has made its leases
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int accepted = 0;
        for (int i = 200; i < 2000; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1)); // 100 ms later the hand is back: that bucket has refilled
            using var lease = limiter.AttemptAcquire(keys[i]);
            accepted += lease.IsAcquired ? 1 : 0;
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        accepted.Should().Be(1800);
        limiter.TrackedPartitionCount.Should().Be(100);
        limiter.OverflowCount.Should().Be(0);
        Drain(limiter, keys[1999], 20).Should().Be(9, "the recycled bucket belongs to its new key, which took 1 of 10");
    }

    [Fact]
    public void Statistics_of_an_untracked_key_show_a_full_bucket()
    {
        using var limiter = CreatePartitioned(7, TimeSpan.FromSeconds(1));
        limiter.GetStatistics("nobody")!.CurrentAvailablePermits.Should().Be(7);
        Drain(limiter, "a", 3);
        limiter.GetStatistics("a")!.CurrentAvailablePermits.Should().Be(4);
    }

    [Fact]
    public void Invalid_options_throw_with_the_reason()
    {
        var noSelector = () => new EdgeKitPartitionedRateLimiter<string, string>(new() { Limits = [new(1, TimeSpan.FromSeconds(1))] });
        noSelector.Should().Throw<ArgumentException>().WithMessage("PartitionKeySelector is required. (Parameter 'options')");

        var noCap = () => new EdgeKitPartitionedRateLimiter<string, string>(new()
        {
            PartitionKeySelector = k => k,
            Limits = [new(1, TimeSpan.FromSeconds(1))],
            MaxPartitions = 0,
        });
        noCap.Should().Throw<ArgumentException>().WithMessage("MaxPartitions must be at least 1 (was 0). (Parameter 'options')");
    }

    private static int Drain(PartitionedRateLimiter<string> limiter, string key, int attempts)
    {
        int accepted = 0;
        for (int i = 0; i < attempts; i++)
        {
            using var lease = limiter.AttemptAcquire(key);
            accepted += lease.IsAcquired ? 1 : 0;
        }

        return accepted;
    }

    private sealed class SingleKey(PartitionedRateLimiter<string> inner, string key) : RateLimiter
    {
        public override TimeSpan? IdleDuration => null;

        public override RateLimiterStatistics? GetStatistics() => inner.GetStatistics(key);

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => inner.AttemptAcquire(key, permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            inner.AcquireAsync(key, permitCount, cancellationToken);

        protected override void Dispose(bool disposing) => inner.Dispose();
    }
}
