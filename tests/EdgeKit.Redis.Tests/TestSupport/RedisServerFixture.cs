using StackExchange.Redis;

namespace EdgeKit.Redis.Tests.TestSupport;

/// <summary>One redis-server per test class (classes run in parallel; tests of a class one after another).</summary>
public sealed class RedisServerFixture : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection;

    public RedisServerFixture()
    {
        Server = RedisServer.Start();
        _connection = new Lazy<ConnectionMultiplexer>(Server.Connect);
    }

    public RedisServer Server { get; }

    public ConnectionMultiplexer Connection => _connection.Value;

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }

        Server.Dispose();
    }
}
