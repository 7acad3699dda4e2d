using System.Diagnostics;
using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;
using EdgeKit.Redis.RateLimiting;
using EdgeKit.Redis.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Redis.Tests.RateLimiting;

/// <summary>Redis stopped, hung and restarted under the limiter. Each test owns its redis-server.</summary>
public sealed class RedisRateLimiterOutageTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(200);

    // A Stopwatch bound, not a speed assertion: no call may wait much past the limiter's timeout. The margin absorbs a
    // busy CI machine (timers fire late when both cores are saturated by parallel test projects: 616 ms was seen with a
    // 400 ms margin) and stays well under the connection's own 2 s async timeout (RedisServer.Configuration), so a call
    // that outlived the limiter's timeout and was ended only by StackExchange.Redis would still fail the bound.
    private static readonly TimeSpan s_bound = s_timeout + TimeSpan.FromMilliseconds(1000);

    private static RedisRateLimiterOptions Options(RedisRateLimiterFailureMode mode, TimeSpan? breakDuration = null) => new()
    {
        PolicyName = "outage-" + mode,
        PermitLimit = 1000,
        Window = TimeSpan.FromMinutes(1),
        Timeout = s_timeout,
        FailureMode = mode,
        BreakDuration = breakDuration ?? TimeSpan.FromSeconds(1),
    };

    private static async Task<(RateLimitLease Lease, TimeSpan Took)> TimedAcquire(RateLimiter limiter)
    {
        var clock = Stopwatch.StartNew();
        var lease = await limiter.AcquireAsync();
        return (lease, clock.Elapsed);
    }

    private static async Task WaitUntilRedisDecides(RateLimiter limiter)
    {
        // Bounded wait for the client to reconnect to the restarted server: poll until a decision comes from Redis.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var lease = await limiter.AcquireAsync();
            if (!lease.TryGetMetadata(MetadataName.ReasonPhrase, out _))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The limiter did not decide through Redis again within 30 s of the restart.");
    }

    [Fact]
    public async Task Redis_stopped_mid_run_fail_open_accepts_fail_closed_rejects_none_hangs_and_both_recover_on_restart()
    {
        using var server = RedisServer.Start();
        using var connection = server.Connect();
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var logger = loggerFactory.CreateLogger("test");
        using var open = new RedisRateLimiter(connection, "client", Options(RedisRateLimiterFailureMode.FailOpen), logger: logger);
        using var closed = new RedisRateLimiter(connection, "client", Options(RedisRateLimiterFailureMode.FailClosed), logger: logger);

        for (int i = 0; i < 5; i++)
        {
            (await open.AcquireAsync()).IsAcquired.Should().BeTrue();
            (await closed.AcquireAsync()).IsAcquired.Should().BeTrue();
        }

        server.Stop();

        for (int i = 0; i < 50; i++)
        {
            var (openLease, openTook) = await TimedAcquire(open);
            var (closedLease, closedTook) = await TimedAcquire(closed);
            openTook.Should().BeLessThan(s_bound);
            closedTook.Should().BeLessThan(s_bound);

            openLease.IsAcquired.Should().BeTrue("fail open accepts while Redis is down");
            openLease.TryGetMetadata(MetadataName.ReasonPhrase, out var reason).Should().BeTrue();
            reason.Should().Be("Redis unavailable: failing open");
            openLease.TryGetMetadata(RateLimitMetadataNames.Quota, out var openQuota).Should().BeTrue();
            openQuota.Remaining.Should().Be(0);

            closedLease.IsAcquired.Should().BeFalse("fail closed rejects while Redis is down");
            closedLease.TryGetMetadata(MetadataName.ReasonPhrase, out reason).Should().BeTrue();
            reason.Should().Be("Redis unavailable: failing closed");
            closedLease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
            retryAfter.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(1));
        }

        // The synchronous path answers the failure mode too, without touching Redis.
        open.AttemptAcquire().IsAcquired.Should().BeTrue();
        closed.AttemptAcquire().IsAcquired.Should().BeFalse();

        server.Restart();
        await WaitUntilRedisDecides(open);
        await WaitUntilRedisDecides(closed);
        using var recovered = await closed.AcquireAsync();
        recovered.IsAcquired.Should().BeTrue("fail closed accepts again once Redis decides");
        recovered.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Remaining.Should().BeGreaterThan(990, "the restarted Redis is empty: a fresh bucket");
        server.Calls("script|load").Should().BeGreaterThanOrEqualTo(1, "the restarted Redis had no script: NOSCRIPT made the limiter load it");

        logs.WithEventId(1150).Select(e => e.Message).Should().Contain(m => m.StartsWith("Redis rate limiter policy 'outage-FailClosed': Redis cannot decide", StringComparison.Ordinal));
        logs.WithEventId(1151).Select(e => e.Message).Should().Contain("Redis rate limiter policy 'outage-FailClosed': Redis decides again.");
    }

    [Fact]
    public async Task A_hung_redis_costs_one_timeout_per_break_not_one_per_request_and_recovers()
    {
        using var server = RedisServer.Start();
        using var connection = server.Connect();
        using var closed = new RedisRateLimiter(connection, "client", Options(RedisRateLimiterFailureMode.FailClosed, breakDuration: TimeSpan.FromSeconds(30)));
        (await closed.AcquireAsync()).IsAcquired.Should().BeTrue();

        server.Pause();
        try
        {
            var (first, firstTook) = await TimedAcquire(closed);
            first.IsAcquired.Should().BeFalse();
            firstTook.Should().BeGreaterThanOrEqualTo(s_timeout - TimeSpan.FromMilliseconds(20), "the first call waited for Redis up to the timeout");
            firstTook.Should().BeLessThan(s_bound);

            // The break is open: the next calls do not wait for Redis at all.
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 100; i++)
            {
                using var lease = await closed.AcquireAsync();
                lease.IsAcquired.Should().BeFalse();
                lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
                retryAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(30)).And.BeGreaterThan(TimeSpan.FromSeconds(25));
            }

            clock.Elapsed.Should().BeLessThan(s_bound, "100 calls during the break did not each wait for Redis (that would be 100 timeouts, 20 s)");
        }
        finally
        {
            server.Resume();
        }
    }

    [Fact]
    public async Task After_the_break_one_call_probes_and_a_recovered_redis_decides_again()
    {
        using var server = RedisServer.Start();
        using var connection = server.Connect();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        // Timeouts run on the fake clock: the test drives them by advancing it.
        using var closed = new RedisRateLimiter(connection, "client", Options(RedisRateLimiterFailureMode.FailClosed, breakDuration: TimeSpan.FromSeconds(5)), time);
        (await closed.AcquireAsync()).IsAcquired.Should().BeTrue();

        server.Pause();
        var pending = closed.AcquireAsync().AsTask();
        pending.IsCompleted.Should().BeFalse("waiting for the hung Redis");
        time.Advance(s_timeout);
        (await pending).IsAcquired.Should().BeFalse("timed out: failing closed");
        server.Resume();

        time.Advance(TimeSpan.FromSeconds(4));
        using (var during = await closed.AcquireAsync())
        {
            during.IsAcquired.Should().BeFalse("the break is still open, although Redis is back");
        }

        closed.AttemptAcquire().IsAcquired.Should().BeFalse("during the break the synchronous path answers the failure mode");
        time.Advance(TimeSpan.FromSeconds(1));
        using (var deferred = closed.AttemptAcquire())
        {
            deferred.TryGetMetadata(MetadataName.ReasonPhrase, out var reason).Should().BeTrue();
            reason.Should().StartWith("The Redis rate limiter decides asynchronously", "after the break the synchronous path defers to AcquireAsync, which probes");
        }

        using var probe = await closed.AcquireAsync();
        probe.IsAcquired.Should().BeTrue("the break ended: one call probed Redis, which decided");
        probe.TryGetMetadata(MetadataName.ReasonPhrase, out _).Should().BeFalse();
    }

    [Fact]
    public async Task A_redis_that_was_never_reachable_answers_the_failure_mode_at_once()
    {
        using var server = RedisServer.Start();
        string configuration = server.Configuration;
        server.Stop();
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(configuration);
        using var open = new RedisRateLimiter(connection, "client", Options(RedisRateLimiterFailureMode.FailOpen));
        using var closed = new RedisRateLimiter(connection, "client", Options(RedisRateLimiterFailureMode.FailClosed));
        for (int i = 0; i < 10; i++)
        {
            var (openLease, openTook) = await TimedAcquire(open);
            var (closedLease, closedTook) = await TimedAcquire(closed);
            openLease.IsAcquired.Should().BeTrue();
            closedLease.IsAcquired.Should().BeFalse();
            openTook.Should().BeLessThan(s_bound);
            closedTook.Should().BeLessThan(s_bound);
        }
    }
}
