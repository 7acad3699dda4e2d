using StackExchange.Redis;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// The Redis connection a limiter decides through: either given (the caller owns it) or made from a configuration
/// string, connecting in the background (<c>abortConnect=false</c>, so it keeps retrying) and owned here. Until that
/// connection exists, <see cref="Current"/> is <see langword="null"/> and limiters answer with their failure mode:
/// nothing ever waits for a connection.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly IConnectionMultiplexer? _given;
    private readonly Task<ConnectionMultiplexer>? _connecting;
    private int _disposed;

    public RedisConnection(IConnectionMultiplexer connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _given = connection;
    }

    public RedisConnection(string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        _connecting = ConnectionMultiplexer.ConnectAsync(options);
        _connecting.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The connection, or <see langword="null"/> while it is still being made (or failed to be made).</summary>
    public IConnectionMultiplexer? Current => _given ?? (_connecting is { IsCompletedSuccessfully: true } connecting ? connecting.Result : null);

    /// <summary>The connection, waiting while it is being made (a connection that cannot be made throws).</summary>
    public async Task<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken) =>
        _given ?? await _connecting!.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Disposes the connection made here (never a given one).</summary>
    public void Dispose()
    {
        if (_connecting is null || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
