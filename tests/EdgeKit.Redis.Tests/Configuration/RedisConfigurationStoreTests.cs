using EdgeKit.ConfigurationStore;
using EdgeKit.Redis.Configuration;
using EdgeKit.Redis.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Redis.Tests.Configuration;

/// <summary>The Redis configuration store against a real redis-server: compare-and-set, history, notifications, outage.</summary>
public sealed class RedisConfigurationStoreTests : IClassFixture<RedisServerFixture>
{
    private readonly RedisServerFixture _redis;

    public RedisConfigurationStoreTests(RedisServerFixture redis) => _redis = redis;

    private RedisConfigurationStore NewStore(int historyLength = 100, TimeProvider? time = null) =>
        new(_redis.Connection, new RedisConfigurationStoreOptions { KeyPrefix = "test:" + Guid.NewGuid().ToString("N"), HistoryLength = historyLength }, time);

    [Fact]
    public async Task An_empty_store_has_no_version_and_a_write_based_on_0_is_version_1_with_who_what_and_when()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
        var store = NewStore(time: time);
        (await store.GetCurrentAsync()).Should().BeNull();
        (await store.GetHistoryAsync(10)).Should().BeEmpty();

        var written = await store.TryWriteAsync(0, """{"Routes":{}}""", "alice", "PUT");

        written!.Version.Should().Be(1);
        var current = (await store.GetCurrentAsync())!;
        current.Version.Should().Be(1);
        current.Document.Should().Be("""{"Routes":{}}""");
        current.ChangedBy.Should().Be("alice");
        current.Change.Should().Be("PUT");
        current.ChangedAt.Should().Be(time.GetUtcNow());
    }

    [Fact]
    public async Task Of_many_concurrent_writers_based_on_the_same_version_exactly_one_wins()
    {
        var store = NewStore();
        await store.TryWriteAsync(0, "{}", null, null);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.TryWriteAsync(1, "{\"Routes\":{\"r" + i + "\":{}}}", $"writer{i}", "PUT")));

        results.Count(r => r is not null).Should().Be(1);
        var winner = results.Single(r => r is not null)!;
        winner.Version.Should().Be(2);
        (await store.GetCurrentAsync())!.Document.Should().Be(winner.Document);
        (await store.TryWriteAsync(1, "{}", null, null)).Should().BeNull("version 1 is not current any more");
    }

    [Fact]
    public async Task History_is_newest_first_and_keeps_HistoryLength_versions()
    {
        var store = NewStore(historyLength: 3);
        for (int i = 0; i < 5; i++)
        {
            (await store.TryWriteAsync(i, "{\"n\":" + (i + 1) + "}", "bob", $"write {i + 1}")).Should().NotBeNull();
        }

        (await store.GetHistoryAsync(10)).Select(v => (v.Version, v.Change)).Should().Equal((5L, "write 5"), (4L, "write 4"), (3L, "write 3"));
        (await store.GetHistoryAsync(2)).Select(v => v.Version).Should().Equal(5L, 4L);
        (await store.GetVersionAsync(2)).Should().BeNull("only the last 3 versions are kept");
        (await store.GetVersionAsync(4))!.Document.Should().Be("""{"n":4}""");
        (await store.GetVersionAsync(0)).Should().BeNull();
    }

    [Fact]
    public async Task Every_write_is_published_to_subscribers_of_other_connections()
    {
        var prefix = "test:" + Guid.NewGuid().ToString("N");
        using var otherConnection = _redis.Server.Connect();
        var writer = new RedisConfigurationStore(_redis.Connection, new RedisConfigurationStoreOptions { KeyPrefix = prefix });
        var reader = new RedisConfigurationStore(otherConnection, new RedisConfigurationStoreOptions { KeyPrefix = prefix });
        var received = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await reader.SubscribeAsync(v => received.TrySetResult(v));

        await writer.TryWriteAsync(0, "{}", null, null);

        (await received.Task.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(1);
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        var store = NewStore();
        await store.Invoking(s => s.TryWriteAsync(-1, "{}", null, null)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await store.Invoking(s => s.GetHistoryAsync(0)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new RedisConfigurationStore(_redis.Connection, new RedisConfigurationStoreOptions { HistoryLength = 0 }))
            .Should().Throw<ArgumentException>().WithMessage("RedisConfigurationStoreOptions.HistoryLength is 0; it must be at least 1.*");
        FluentActions.Invoking(() => new RedisConfigurationStore(_redis.Connection, new RedisConfigurationStoreOptions { KeyPrefix = " " }))
            .Should().Throw<ArgumentException>().WithMessage("RedisConfigurationStoreOptions.KeyPrefix is blank.*");
    }
}

/// <summary>The store with its Redis server killed: typed errors, never a hang.</summary>
public sealed class RedisConfigurationStoreOutageTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Start();

    public void Dispose() => _redis.Dispose();

    [Fact]
    public async Task With_Redis_down_every_call_throws_ConfigurationStoreUnavailableException_and_works_again_once_it_is_back()
    {
        using var connection = _redis.Connect();
        var store = new RedisConfigurationStore(connection);
        await store.TryWriteAsync(0, "{}", null, null);

        _redis.Stop();

        await store.Invoking(s => s.GetCurrentAsync()).Should().ThrowAsync<ConfigurationStoreUnavailableException>()
            .WithMessage("The Redis configuration store cannot be reached: *");
        await store.Invoking(s => s.TryWriteAsync(1, "{}", null, null)).Should().ThrowAsync<ConfigurationStoreUnavailableException>();

        _redis.Restart();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        ConfigurationVersion? written = null;
        while (written is null && DateTime.UtcNow < deadline)
        {
            try
            {
                // Restarted empty (no persistence): the next write is version 1 again.
                written = await store.TryWriteAsync(0, "{}", null, null);
            }
            catch (ConfigurationStoreUnavailableException)
            {
                await Task.Delay(100);
            }
        }

        written!.Version.Should().Be(1);
    }
}
