using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;
using EdgeKit.Redis.DependencyInjection;
using EdgeKit.Redis.RateLimiting;
using EdgeKit.Redis.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.Redis.Tests.DependencyInjection;

public sealed class EdgeKitBuilderRedisRateLimitingExtensionsTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task A_connection_string_and_a_policy_give_working_limiters()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit()
            .AddRedisRateLimiting(fixture.Server.Configuration)
            .AddRedisRateLimitPolicy("per-client", o =>
            {
                o.PermitLimit = 2;
                o.Window = TimeSpan.FromHours(1);
                o.Timeout = TimeSpan.FromSeconds(10);
                o.KeyPrefix = "di-" + Guid.NewGuid().ToString("N")[..8] + ":";
            });
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<RedisRateLimiterFactory>();
        factory.PolicyNames.Should().Equal("per-client");

        using var limiter = factory.CreatePartitionedLimiter<string>("per-client", client => client);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RateLimitLease lease;
        do
        {
            // The connection is made in the background; until it is up the policy fails open (bounded wait).
            lease = await limiter.AcquireAsync("dave");
        }
        while (lease.TryGetMetadata(MetadataName.ReasonPhrase, out _) && clock.Elapsed < TimeSpan.FromSeconds(20));

        lease.IsAcquired.Should().BeTrue();
        lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota).Should().BeTrue();
        quota.Should().Be(new RateLimitQuota("per-client", 2, TimeSpan.FromHours(1), 1, TimeSpan.FromMinutes(30)));
        (await limiter.AcquireAsync("dave")).IsAcquired.Should().BeTrue();
        (await limiter.AcquireAsync("dave")).IsAcquired.Should().BeFalse();

        using var single = factory.CreateLimiter("per-client", "erin");
        (await single.AcquireAsync(2)).IsAcquired.Should().BeTrue();
    }

    [Fact]
    public async Task A_policy_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PermitLimit"] = "7",
            ["Window"] = "00:00:30",
            ["Burst"] = "10",
            ["Timeout"] = "00:00:00.100",
            ["FailureMode"] = "FailClosed",
            ["BreakDuration"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        services.AddEdgeKit().AddRedisRateLimiting(fixture.Connection).AddRedisRateLimitPolicy("bound", configuration);
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<RedisRateLimiterOptions>>().Get("bound");
        options.Should().BeEquivalentTo(new RedisRateLimiterOptions
        {
            PolicyName = "bound",
            PermitLimit = 7,
            Window = TimeSpan.FromSeconds(30),
            Burst = 10,
            Timeout = TimeSpan.FromMilliseconds(100),
            FailureMode = RedisRateLimiterFailureMode.FailClosed,
            BreakDuration = TimeSpan.FromSeconds(2),
        });
    }

    [Fact]
    public async Task Invalid_policies_fail_validation_with_every_problem()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddRedisRateLimiting(fixture.Connection).AddRedisRateLimitPolicy("broken", o => o.Timeout = TimeSpan.Zero);
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<RedisRateLimiterFactory>();
        var act = () => factory.CreateLimiter("broken", "k");
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "Redis rate limiter policy 'broken': PermitLimit must be at least 1, was 0.",
            "Redis rate limiter policy 'broken': Window must be between 1 ms and 1 day, was 00:00:00.",
            "Redis rate limiter policy 'broken': Timeout must be between 1 ms and 30 s, was 00:00:00.");
    }

    [Fact]
    public async Task An_unknown_policy_names_the_registered_ones()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddRedisRateLimiting(fixture.Connection)
            .AddRedisRateLimitPolicy("b", o => { o.PermitLimit = 1; o.Window = TimeSpan.FromSeconds(1); })
            .AddRedisRateLimitPolicy("a", o => { o.PermitLimit = 1; o.Window = TimeSpan.FromSeconds(1); });
        await using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<RedisRateLimiterFactory>().CreateLimiter("c", "k");
        act.Should().Throw<InvalidOperationException>().WithMessage(
            "Redis rate limit policy 'c' is not registered. Call AddRedisRateLimitPolicy(\"c\", ...) on the EdgeKit builder; registered: a, b.");
    }

    [Fact]
    public void Adding_the_same_connection_twice_is_harmless_and_a_different_one_throws()
    {
        var services = new ServiceCollection();
        var edge = services.AddEdgeKit().AddRedisRateLimiting(fixture.Connection).AddRedisRateLimiting(fixture.Connection);
        services.Count(d => d.ServiceType == typeof(RedisRateLimiterFactory)).Should().Be(1);
        var act = () => edge.AddRedisRateLimiting("127.0.0.1:1");
        act.Should().Throw<InvalidOperationException>().WithMessage(
            "AddRedisRateLimiting was already called with a different Redis connection; EdgeKit's Redis rate limiter uses one connection. Call it once.");
    }
}
