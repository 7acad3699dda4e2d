using System.Diagnostics;
using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;
using EdgeKit.Redis.RateLimiting;
using EdgeKit.Redis.Tests.TestSupport;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace EdgeKit.Redis.Tests.RateLimiting;

public sealed class RedisRateLimiterTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    // These tests are about Redis's decisions: a generous timeout keeps a busy machine from turning one into the failure mode.
    private static RedisRateLimiterOptions Options(int permitLimit, TimeSpan window, string? policy = null, int burst = 0) => new()
    {
        PolicyName = policy ?? "p" + Guid.NewGuid().ToString("N")[..8],
        PermitLimit = permitLimit,
        Window = window,
        Burst = burst,
        Timeout = TimeSpan.FromSeconds(10),
        FailureMode = RedisRateLimiterFailureMode.FailClosed,
    };

    private RedisRateLimiter Limiter(RedisRateLimiterOptions options, string key = "client-1", TimeProvider? time = null) =>
        new(fixture.Connection, key, options, time);

    [Fact]
    public async Task Accepts_exactly_the_burst_then_rejects_with_remaining_counting_down()
    {
        using var limiter = Limiter(Options(10, TimeSpan.FromHours(1)));
        var remaining = new List<long>();
        int accepted = 0, rejected = 0;
        for (int i = 0; i < 15; i++)
        {
            using var lease = await limiter.AcquireAsync();
            lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
            if (lease.IsAcquired)
            {
                accepted++;
                remaining.Add(quota.Remaining);
            }
            else
            {
                rejected++;
                quota.Remaining.Should().Be(0);
            }
        }

        accepted.Should().Be(10);
        rejected.Should().Be(5);
        remaining.Should().Equal(9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        var stats = limiter.GetStatistics()!;
        stats.TotalSuccessfulLeases.Should().Be(10);
        stats.TotalFailedLeases.Should().Be(5);
        stats.CurrentAvailablePermits.Should().Be(0);
    }

    [Fact]
    public async Task Retry_after_is_exact_to_the_microsecond_not_rounded_to_periods()
    {
        // 3 permits per 10 s: one permit every 3,333,333.3 µs (long enough that none refills during the test).
        using var limiter = Limiter(Options(3, TimeSpan.FromSeconds(10)));
        var clock = Stopwatch.StartNew();
        (await limiter.AcquireAsync(3)).IsAcquired.Should().BeTrue();

        using var rejected = await limiter.AcquireAsync();
        var elapsed = clock.Elapsed;
        rejected.IsAcquired.Should().BeFalse();
        rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        var onePermit = TimeSpan.FromTicks(3_333_334 * TimeSpan.TicksPerMicrosecond);   // rounded up to the µs
        retryAfter.Should().BeLessThanOrEqualTo(onePermit);
        retryAfter.Should().BeGreaterThan(onePermit - elapsed);
        rejected.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Should().Match<RateLimitQuota>(q => q.Limit == 3 && q.Window == TimeSpan.FromSeconds(10) && q.Remaining == 0);
        quota.ResetAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(10)).And.BeGreaterThan(TimeSpan.FromSeconds(10) - elapsed);
    }

    [Fact]
    public async Task An_accepted_lease_carries_the_quota_and_the_wait_for_the_next_permit()
    {
        var options = Options(10, TimeSpan.FromSeconds(10), policy: "per-client");
        using var limiter = Limiter(options, key: Guid.NewGuid().ToString("N"));

        var clock = Stopwatch.StartNew();
        using var first = await limiter.AcquireAsync();
        first.IsAcquired.Should().BeTrue();
        first.MetadataNames.Should().BeEquivalentTo(MetadataName.RetryAfter.Name, RateLimitMetadataNames.Quota.Name);
        first.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().Be(TimeSpan.Zero);
        first.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        // One permit short of a full bucket: it refills in exactly Window / PermitLimit.
        quota.Should().Be(new RateLimitQuota("per-client", 10, TimeSpan.FromSeconds(10), 9, TimeSpan.FromSeconds(1)));

        using var all = await limiter.AcquireAsync(9);
        var elapsed = clock.Elapsed;
        all.IsAcquired.Should().BeTrue();
        all.TryGetMetadata(MetadataName.RetryAfter, out retryAfter).Should().BeTrue();
        all.TryGetMetadata(RateLimitMetadataNames.Quota, out quota).Should().BeTrue();
        quota.Remaining.Should().Be(0);
        // Whatever refilled between the two calls (at most their distance apart) shortens the waits.
        retryAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeGreaterThan(TimeSpan.FromSeconds(1) - elapsed);
        quota.ResetAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(10)).And.BeGreaterThan(TimeSpan.FromSeconds(10) - elapsed);
    }

    [Fact]
    public async Task The_key_expires_when_the_bucket_would_be_full_again()
    {
        using var limiter = Limiter(Options(10, TimeSpan.FromSeconds(10)));
        var clock = Stopwatch.StartNew();
        (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        var ttl = await _server.AdminDatabase.KeyTimeToLiveAsync(limiter.RedisKey);
        ttl.Should().NotBeNull();
        ttl!.Value.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeGreaterThan(TimeSpan.FromSeconds(1) - clock.Elapsed);

        clock.Restart();
        (await limiter.AcquireAsync(9)).IsAcquired.Should().BeTrue();
        ttl = await _server.AdminDatabase.KeyTimeToLiveAsync(limiter.RedisKey);
        ttl!.Value.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(10)).And.BeGreaterThan(TimeSpan.FromSeconds(10) - clock.Elapsed - TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Keys_carry_the_partition_key_as_a_cluster_hash_tag()
    {
        var options = Options(5, TimeSpan.FromMinutes(1), policy: "per-route");
        options.KeyPrefix = "app:rl:";
        using var limiter = Limiter(options, key: "203.0.113.7");
        limiter.RedisKey.Should().Be("app:rl:per-route:{203.0.113.7}");

        (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        var db = _server.AdminDatabase;
        (await db.KeyTypeAsync("app:rl:per-route:{203.0.113.7}")).Should().Be(StackExchange.Redis.RedisType.Hash);
        var fields = await db.HashGetAllAsync("app:rl:per-route:{203.0.113.7}");
        fields.Select(f => f.Name.ToString()).Should().BeEquivalentTo("level", "time");
        // 5 permits per minute: one permit is 60,000,000 units (µs of the window); 4 left.
        ((long)fields.Single(f => f.Name == "level").Value).Should().Be(4 * 60_000_000L);
    }

    [Fact]
    public async Task The_script_is_loaded_once_and_every_decision_is_one_evalsha()
    {
        await _server.Admin.ScriptFlushAsync();
        _server.ResetStats();
        using var limiter = Limiter(Options(1000, TimeSpan.FromMinutes(1)));
        for (int i = 0; i < 20; i++)
        {
            (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        }

        _server.Calls("script|load").Should().Be(1);
        // The first EVALSHA met NOSCRIPT (fresh script cache) and was sent again after the load: 21 in all.
        _server.Calls("evalsha").Should().Be(21);
        _server.Calls("eval").Should().Be(0);

        _server.ResetStats();
        for (int i = 0; i < 20; i++)
        {
            (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        }

        _server.Calls("script|load").Should().Be(0);
        _server.Calls("evalsha").Should().Be(20);
    }

    [Fact]
    public async Task Noscript_after_a_script_flush_reloads_and_decides()
    {
        // 100 permits per hour: one refills every 36 s, so however slow the flush and reload on a busy machine, none
        // refills between the two takes (100 per minute refilled one every 0.6 s, and a CI run once took that long).
        using var limiter = Limiter(Options(100, TimeSpan.FromHours(1)));
        (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        await _server.Admin.ScriptFlushAsync();
        _server.ResetStats();

        using var lease = await limiter.AcquireAsync();
        lease.IsAcquired.Should().BeTrue();
        lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Remaining.Should().Be(98, "the bucket state survived the flush; only the script was reloaded");
        _server.Calls("script|load").Should().Be(1);
        _server.Calls("evalsha").Should().Be(2);
    }

    [Fact]
    public async Task Rejected_keys_are_answered_from_the_over_limit_cache_until_their_retry_after()
    {
        var time = new FakeTimeProvider();
        using var limiter = Limiter(Options(2, TimeSpan.FromHours(1)), time: time);
        (await limiter.AcquireAsync(2)).IsAcquired.Should().BeTrue();
        using var first = await limiter.AcquireAsync();
        first.IsAcquired.Should().BeFalse();
        first.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).Should().BeTrue();
        retryAfter.Should().BeGreaterThan(TimeSpan.FromMinutes(29)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(30));

        _server.ResetStats();
        time.Advance(TimeSpan.FromMinutes(10));
        using var cached = await limiter.AcquireAsync();
        cached.IsAcquired.Should().BeFalse();
        cached.TryGetMetadata(MetadataName.RetryAfter, out var cachedRetryAfter).Should().BeTrue();
        cachedRetryAfter.Should().Be(retryAfter - TimeSpan.FromMinutes(10));
        cached.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Remaining.Should().Be(0);

        using var synchronous = limiter.AttemptAcquire();
        synchronous.IsAcquired.Should().BeFalse();
        synchronous.TryGetMetadata(MetadataName.RetryAfter, out var syncRetryAfter).Should().BeTrue();
        syncRetryAfter.Should().Be(cachedRetryAfter);
        _server.Calls("evalsha").Should().Be(0, "the cache answered");

        time.Advance(retryAfter);
        using var again = await limiter.AcquireAsync();
        again.IsAcquired.Should().BeFalse("Redis's clock has not moved");
        _server.Calls("evalsha").Should().Be(1, "past the cached retry-after Redis is asked again");
    }

    [Fact]
    public async Task Without_a_cached_answer_attempt_acquire_defers_to_acquire_async_without_calling_redis()
    {
        using var limiter = Limiter(Options(5, TimeSpan.FromMinutes(1)));
        _server.ResetStats();
        using var lease = limiter.AttemptAcquire();
        lease.IsAcquired.Should().BeFalse();
        lease.MetadataNames.Should().Equal(MetadataName.ReasonPhrase.Name);
        lease.TryGetMetadata(MetadataName.ReasonPhrase, out var reason).Should().BeTrue();
        reason.Should().Be("The Redis rate limiter decides asynchronously: AttemptAcquire only answers from its over-limit cache or its failure mode; call AcquireAsync.");
        lease.TryGetMetadata(MetadataName.RetryAfter, out _).Should().BeFalse();
        _server.Calls("evalsha").Should().Be(0);
        (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
    }

    [Fact]
    public async Task Zero_permits_checks_availability_without_taking()
    {
        using var limiter = Limiter(Options(2, TimeSpan.FromHours(1)));
        (await limiter.AcquireAsync(0)).IsAcquired.Should().BeTrue();
        (await limiter.AcquireAsync(0)).IsAcquired.Should().BeTrue();
        (await limiter.AcquireAsync(2)).IsAcquired.Should().BeTrue("zero-permit checks took nothing");
        (await limiter.AcquireAsync(0)).IsAcquired.Should().BeFalse();
    }

    [Fact]
    public async Task Bad_arguments_throw()
    {
        using var limiter = Limiter(Options(5, TimeSpan.FromMinutes(1), policy: "small"));
        var tooMany = async () => await limiter.AcquireAsync(6);
        (await tooMany.Should().ThrowAsync<ArgumentOutOfRangeException>())
            .WithMessage("Redis rate limiter policy 'small': 6 permits exceed the bucket's capacity of 5 (Burst), so they could never be granted.*")
            .Which.ParamName.Should().Be("permitCount");
        limiter.Invoking(l => l.AttemptAcquire(-1)).Should().Throw<ArgumentOutOfRangeException>();

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var cancelled = async () => await limiter.AcquireAsync(1, cts.Token);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();

        var noKey = () => new RedisRateLimiter(fixture.Connection, "", Options(1, TimeSpan.FromSeconds(1)));
        noKey.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("key");

        limiter.Dispose();
        var disposed = async () => await limiter.AcquireAsync();
        await disposed.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Invalid_options_throw_every_problem_at_once()
    {
        var create = () => new RedisRateLimiter(fixture.Connection, "k", new RedisRateLimiterOptions { PermitLimit = 0, Window = TimeSpan.Zero });
        var error = create.Should().Throw<EdgeKit.Configuration.EdgeKitConfigurationException>().Which;
        error.Errors.Should().Equal(
            "Redis rate limiter: PermitLimit must be at least 1, was 0.",
            "Redis rate limiter: Window must be between 1 ms and 1 day, was 00:00:00.");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Round_trips_decisions_and_round_trip_durations_are_measured_on_the_edgekit_meter()
    {
        var options = Options(1, TimeSpan.FromHours(1));
        using (var warmUp = Limiter(Options(1, TimeSpan.FromHours(1))))
        {
            (await warmUp.AcquireAsync(0)).IsAcquired.Should().BeTrue("the script is loaded in this Redis");
        }

        using var recorder = new MeasurementRecorder("edgekit.ratelimit.policy", options.PolicyName);
        using var limiter = Limiter(options);
        var watch = Stopwatch.StartNew();
        (await limiter.AcquireAsync()).IsAcquired.Should().BeTrue();
        (await limiter.AcquireAsync()).IsAcquired.Should().BeFalse();
        (await limiter.AcquireAsync()).IsAcquired.Should().BeFalse();
        var elapsed = watch.Elapsed;

        var roundTrips = recorder.Of("edgekit.ratelimit.redis.round_trips");
        roundTrips.Should().HaveCount(2, "two decisions went to Redis; the third came from the over-limit cache");
        roundTrips.Should().OnlyContain(m => m.Value == 1 && m.Unit == "{round_trip}"
            && Equals(m.Tags["edgekit.ratelimit.redis.command"], "evalsha") && Equals(m.Tags["edgekit.outcome"], "success"));
        recorder.Of("edgekit.ratelimit.redis.decisions")
            .Select(m => $"{m.Value}{m.Unit} {m.Tags["edgekit.ratelimit.decision"]}/{m.Tags["edgekit.ratelimit.source"]}")
            .Should().Equal("1{decision} accepted/redis", "1{decision} rejected/redis", "1{decision} rejected/over_limit_cache");
        var durations = recorder.Of("edgekit.ratelimit.redis.duration");
        durations.Should().HaveCount(2, "one per round trip; the over-limit cache answers without one");
        durations.Should().OnlyContain(m => m.Unit == "s" && m.Value > 0 && m.Value <= elapsed.TotalSeconds
            && m.Tags.Count == 2 && Equals(m.Tags["edgekit.outcome"], "success"));
    }

    [Fact]
    public async Task Three_instances_with_their_own_connections_accept_within_one_percent_of_the_quota_together()
    {
        // 500 permits per second with a burst of 5,000, for about 2 s. The quota of a run is the burst plus the refill
        // over the Redis time from its first take to its last. The bucket records both (its level and the Redis time of
        // the last take), so the test checks the permits taken by all three instances against that quota exactly, with
        // no clock of its own, and independently of how fast this busy machine drives them.
        var options = Options(500, TimeSpan.FromSeconds(1), burst: 5000);
        string key = Guid.NewGuid().ToString("N");
        var connections = Enumerable.Range(0, 3).Select(_ => _server.Connect()).ToArray();
        var limiters = connections.Select(c => new RedisRateLimiter(c, key, options)).ToArray();
        try
        {
            foreach (var limiter in limiters)
            {
                (await limiter.AcquireAsync(0)).IsAcquired.Should().BeTrue("warm up: script loaded, connection up");
            }

            // The first take empties the bucket; refill starts there. The key lives until the bucket is full again (10 s).
            (await limiters[0].AcquireAsync(5000)).IsAcquired.Should().BeTrue();
            long firstTake = (long)await _server.AdminDatabase.HashGetAsync(limiters[0].RedisKey, "time");
            long accepted = 5000;
            var run = Stopwatch.StartNew();
            var loops = limiters.SelectMany(limiter => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                while (run.Elapsed < TimeSpan.FromSeconds(2))
                {
                    using var lease = await limiter.AcquireAsync();
                    if (lease.IsAcquired)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait);
                        await Task.Delay(wait < TimeSpan.FromMilliseconds(5) ? wait : TimeSpan.FromMilliseconds(5));
                    }
                }
            }))).ToArray();
            await Task.WhenAll(loops);

            var state = (await _server.AdminDatabase.HashGetAllAsync(limiters[0].RedisKey)).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
            long lastTake = state["time"];
            long unitsLeft = state["level"];          // 1 permit = 1,000,000 units (µs of the 1 s window)
            long quotaUnits = (5000 * 1_000_000L) + (500 * (lastTake - firstTake));
            double quota = quotaUnits / 1e6;
            double seconds = (lastTake - firstTake) / 1e6;

            (accepted * 1_000_000L + unitsLeft).Should().Be(quotaUnits, "every permit of the quota was taken once or is still in the bucket");
            accepted.Should().BeLessThanOrEqualTo((long)quota, $"the quota over {seconds:F3} s of Redis time is {quota:F1}");
            ((double)accepted).Should().BeGreaterThanOrEqualTo(quota * 0.99, $"the quota over {seconds:F3} s of Redis time is {quota:F1}");
            accepted.Should().BeGreaterThan(5100, "after the burst the instances kept taking refills");
        }
        finally
        {
            foreach (var limiter in limiters)
            {
                limiter.Dispose();
            }

            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private async Task<long> RedisMicroseconds()
    {
        var time = (RedisResult[])(await _server.AdminDatabase.ExecuteAsync("TIME"))!;
        return ((long)time[0] * 1_000_000) + (long)time[1];
    }
}
