using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.RateLimiting;

/// <summary>
/// The behaviour every EdgeKit token bucket <see cref="RateLimiter"/> must have (in the spirit of dotnet/runtime's
/// BaseRateLimiterTests). A derived class supplies the limiter: <c>permitLimit</c> permits per <c>window</c>, with
/// <c>queueLimit</c> permits of queue, on a fake clock.
/// </summary>
public abstract class RateLimiterContractTests
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected abstract RateLimiter Create(int permitLimit, TimeSpan window, int queueLimit = 0);

    /// <summary>Whether the limiter reports <see cref="RateLimiter.IdleDuration"/> (a partition seen through an adapter does not).</summary>
    protected virtual bool ReportsIdleDuration => true;

    [Fact]
    public void Accepts_the_limit_at_once_then_rejects()
    {
        using var limiter = Create(10, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 10; i++)
        {
            limiter.AttemptAcquire().IsAcquired.Should().BeTrue($"permit {i} is within the burst");
        }

        limiter.AttemptAcquire().IsAcquired.Should().BeFalse();
    }

    [Fact]
    public void Refills_one_permit_per_emission_interval_exactly()
    {
        using var limiter = Create(10, TimeSpan.FromSeconds(1));
        Drain(limiter, 10);

        Time.Advance(TimeSpan.FromMilliseconds(99));
        limiter.AttemptAcquire().IsAcquired.Should().BeFalse("99 ms is short of one interval (100 ms)");
        Time.Advance(TimeSpan.FromMilliseconds(1));
        limiter.AttemptAcquire().IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire().IsAcquired.Should().BeFalse();

        Time.Advance(TimeSpan.FromMilliseconds(350));
        Drain(limiter, 10).Should().Be(3, "350 ms refill 3 permits and a half");
    }

    [Fact]
    public void Rejected_lease_carries_the_exact_retry_after()
    {
        using var limiter = Create(10, TimeSpan.FromSeconds(1));
        Drain(limiter, 10);
        Time.Advance(TimeSpan.FromMilliseconds(30));

        using var lease = limiter.AttemptAcquire();

        lease.IsAcquired.Should().BeFalse();
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.FromMilliseconds(70), "not rounded to a whole period");
        lease.MetadataNames.Should().Contain(MetadataName.RetryAfter.Name);
    }

    [Fact]
    public void Retry_after_of_several_permits_waits_for_all_of_them()
    {
        using var limiter = Create(10, TimeSpan.FromSeconds(1));
        Drain(limiter, 10);

        using var lease = limiter.AttemptAcquire(4);

        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void Every_lease_carries_the_quota()
    {
        using var limiter = Create(100, TimeSpan.FromMinutes(1));
        limiter.AttemptAcquire(58).IsAcquired.Should().BeTrue();

        using var lease = limiter.AttemptAcquire();

        lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Limit.Should().Be(100);
        quota.Window.Should().Be(TimeSpan.FromMinutes(1));
        quota.Remaining.Should().Be(41);
        quota.ResetAfter.Should().Be(TimeSpan.FromSeconds(35.4), "59 permits at 0.6 s each refill in 35.4 s");
    }

    [Fact]
    public void Rejected_lease_quota_reports_nothing_remaining()
    {
        using var limiter = Create(5, TimeSpan.FromSeconds(10));
        Drain(limiter, 5);

        using var lease = limiter.AttemptAcquire();

        lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Remaining.Should().Be(0);
        quota.ResetAfter.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Zero_permits_tests_availability_without_taking()
    {
        using var limiter = Create(2, TimeSpan.FromSeconds(1));
        limiter.AttemptAcquire(0).IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire(0).IsAcquired.Should().BeTrue();
        Drain(limiter, 2).Should().Be(2, "permitCount 0 took nothing");
        limiter.AttemptAcquire(0).IsAcquired.Should().BeFalse();
    }

    [Fact]
    public void More_permits_than_the_limit_throw()
    {
        using var limiter = Create(5, TimeSpan.FromSeconds(1));
        limiter.Invoking(l => l.AttemptAcquire(6)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("permitCount");
        limiter.Invoking(l => l.AcquireAsync(6)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("permitCount");
        limiter.Invoking(l => l.AttemptAcquire(-1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void A_rejected_request_for_several_permits_takes_none()
    {
        using var limiter = Create(5, TimeSpan.FromSeconds(1));
        limiter.AttemptAcquire(3).IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire(3).IsAcquired.Should().BeFalse();
        limiter.AttemptAcquire(2).IsAcquired.Should().BeTrue();
    }

    [Fact]
    public async Task Disposed_limiter_throws()
    {
        var limiter = Create(5, TimeSpan.FromSeconds(1));
        limiter.Dispose();
        limiter.Invoking(l => l.AttemptAcquire()).Should().Throw<ObjectDisposedException>();
        await limiter.Invoking(async l => await l.AcquireAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Acquire_async_without_queue_rejects_at_once()
    {
        using var limiter = Create(1, TimeSpan.FromSeconds(1));
        (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        var task = limiter.AcquireAsync();
        task.IsCompleted.Should().BeTrue();
        (await task).IsAcquired.Should().BeFalse();
    }

    [Fact]
    public async Task Queued_waiters_complete_in_order_as_permits_refill()
    {
        using var limiter = Create(2, TimeSpan.FromSeconds(1), queueLimit: 2);
        Drain(limiter, 2);

        var first = limiter.AcquireAsync().AsTask();
        var second = limiter.AcquireAsync().AsTask();
        var third = await limiter.AcquireAsync();

        third.IsAcquired.Should().BeFalse("the queue holds 2 permits");
        limiter.GetStatistics()!.CurrentQueuedCount.Should().Be(2);
        limiter.AttemptAcquire().IsAcquired.Should().BeFalse("an attempt never overtakes a waiter");

        Time.Advance(TimeSpan.FromMilliseconds(499));
        first.IsCompleted.Should().BeFalse();
        Time.Advance(TimeSpan.FromMilliseconds(1));
        (await first).IsAcquired.Should().BeTrue();
        second.IsCompleted.Should().BeFalse();
        Time.Advance(TimeSpan.FromMilliseconds(500));
        (await second).IsAcquired.Should().BeTrue();
        limiter.GetStatistics()!.CurrentQueuedCount.Should().Be(0);
    }

    [Fact]
    public async Task Cancelled_wait_throws_and_gives_its_permits_back()
    {
        using var limiter = Create(2, TimeSpan.FromSeconds(1), queueLimit: 2);
        Drain(limiter, 2);
        using var cts = new CancellationTokenSource();

        var waiting = limiter.AcquireAsync(2, cts.Token).AsTask();
        cts.Cancel();

        await waiting.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        Time.Advance(TimeSpan.FromSeconds(1));
        limiter.AttemptAcquire(2).IsAcquired.Should().BeTrue("the cancelled waiter's reservation was returned");
    }

    [Fact]
    public async Task Already_cancelled_token_with_no_permit_is_cancelled()
    {
        using var limiter = Create(1, TimeSpan.FromSeconds(1), queueLimit: 1);
        Drain(limiter, 1);

        var task = limiter.AcquireAsync(1, new CancellationToken(canceled: true));

        await task.Invoking(async t => await t).Should().ThrowAsync<OperationCanceledException>();
        Time.Advance(TimeSpan.FromSeconds(1));
        limiter.AttemptAcquire().IsAcquired.Should().BeTrue();
    }

    [Fact]
    public async Task Disposing_fails_the_waiters()
    {
        var limiter = Create(1, TimeSpan.FromSeconds(1), queueLimit: 1);
        Drain(limiter, 1);
        var waiting = limiter.AcquireAsync().AsTask();

        limiter.Dispose();

        (await waiting).IsAcquired.Should().BeFalse();
    }

    [Fact]
    public void Statistics_count_leases_and_available_permits()
    {
        using var limiter = Create(3, TimeSpan.FromSeconds(1));
        Drain(limiter, 5);

        var stats = limiter.GetStatistics()!;

        stats.TotalSuccessfulLeases.Should().Be(3);
        stats.TotalFailedLeases.Should().Be(2);
        stats.CurrentAvailablePermits.Should().Be(0);
        Time.Advance(TimeSpan.FromMilliseconds(700));
        limiter.GetStatistics()!.CurrentAvailablePermits.Should().Be(2);
    }

    [Fact]
    public void Idle_duration_counts_from_when_the_bucket_became_full()
    {
        if (!ReportsIdleDuration)
        {
            return;
        }

        using var limiter = Create(2, TimeSpan.FromSeconds(1));
        limiter.AttemptAcquire(2);
        limiter.IdleDuration.Should().BeNull();
        Time.Advance(TimeSpan.FromSeconds(1));
        limiter.IdleDuration.Should().Be(TimeSpan.Zero);
        Time.Advance(TimeSpan.FromSeconds(3));
        limiter.IdleDuration.Should().Be(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Accept_and_reject_allocate_nothing()
    {
        using var limiter = Create(1000, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 2000; i++)
        {
            limiter.AttemptAcquire().Dispose(); // warm up: JIT, cached leases
        }

        Time.Advance(TimeSpan.FromSeconds(1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        int accepted = 0;
        for (int i = 0; i < 2000; i++)
        {
            using var lease = limiter.AttemptAcquire();
            accepted += lease.IsAcquired ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        accepted.Should().Be(1000);
        allocated.Should().Be(0);
    }

    [Fact]
    public async Task Concurrent_acquires_never_exceed_the_limit()
    {
        using var limiter = Create(10_000, TimeSpan.FromHours(1));
        int accepted = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                if (limiter.AttemptAcquire().IsAcquired)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        })));

        accepted.Should().Be(10_000);
        limiter.GetStatistics()!.TotalFailedLeases.Should().Be(10_000);
    }

    protected static int Drain(RateLimiter limiter, int attempts)
    {
        int accepted = 0;
        for (int i = 0; i < attempts; i++)
        {
            using var lease = limiter.AttemptAcquire();
            accepted += lease.IsAcquired ? 1 : 0;
        }

        return accepted;
    }
}
