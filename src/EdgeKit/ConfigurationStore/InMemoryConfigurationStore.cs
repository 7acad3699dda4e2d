namespace EdgeKit.ConfigurationStore;

/// <summary>
/// A configuration store in the process's memory: versions, history and rollback for one gateway (or several in one
/// process, such as tests), with nothing to run beside it. Its history is lost when the process ends. Thread-safe.
/// </summary>
public sealed class InMemoryConfigurationStore : IConfigurationStore
{
    private readonly object _lock = new();
    private readonly List<ConfigurationVersion> _versions = [];
    private readonly TimeProvider _time;
    private readonly int _historyLength;
    private Action<long>[] _subscribers = [];

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock that dates versions; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="historyLength">How many versions are kept (the current one included); default 100.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="historyLength"/> is less than 1.</exception>
    public InMemoryConfigurationStore(TimeProvider? timeProvider = null, int historyLength = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyLength, 1);
        _time = timeProvider ?? TimeProvider.System;
        _historyLength = historyLength;
    }

    /// <inheritdoc />
    public Task<ConfigurationVersion?> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_versions.Count == 0 ? null : _versions[^1]);
        }
    }

    /// <inheritdoc />
    public Task<ConfigurationVersion?> GetVersionAsync(long version, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_versions.Find(v => v.Version == version));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ConfigurationVersion>> GetHistoryAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_lock)
        {
            IReadOnlyList<ConfigurationVersion> newestFirst = _versions.AsEnumerable().Reverse().Take(count).ToArray();
            return Task.FromResult(newestFirst);
        }
    }

    /// <inheritdoc />
    public Task<ConfigurationVersion?> TryWriteAsync(long expectedVersion, string document, string? changedBy, string? change, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        ArgumentNullException.ThrowIfNull(document);
        ConfigurationVersion written;
        Action<long>[] subscribers;
        lock (_lock)
        {
            long current = _versions.Count == 0 ? 0 : _versions[^1].Version;
            if (current != expectedVersion)
            {
                return Task.FromResult<ConfigurationVersion?>(null);
            }

            written = new ConfigurationVersion(current + 1, document, changedBy, _time.GetUtcNow(), change);
            _versions.Add(written);
            if (_versions.Count > _historyLength)
            {
                _versions.RemoveAt(0);
            }

            subscribers = _subscribers;
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(written.Version);
        }

        return Task.FromResult<ConfigurationVersion?>(written);
    }

    /// <inheritdoc />
    public Task<IAsyncDisposable> SubscribeAsync(Action<long> changed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, changed];
        }

        return Task.FromResult<IAsyncDisposable>(new Subscription(this, changed));
    }

    private sealed class Subscription(InMemoryConfigurationStore store, Action<long> changed) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (store._lock)
            {
                store._subscribers = store._subscribers.Where(s => s != changed).ToArray();
            }

            return ValueTask.CompletedTask;
        }
    }
}
