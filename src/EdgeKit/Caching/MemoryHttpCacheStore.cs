using System.Collections.Concurrent;
using EdgeKit.Configuration;

namespace EdgeKit.Caching;

/// <summary>
/// The default <see cref="IHttpCacheStore"/>: entries in process memory, bounded in bytes. A lookup takes no lock and
/// does not allocate; a write takes a lock and, past <see cref="MemoryHttpCacheStoreOptions.SizeLimit"/>, evicts expired
/// entries and then the least recently used. An entry larger than the whole limit is not stored.
/// </summary>
public sealed class MemoryHttpCacheStore : IHttpCacheStore
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private readonly TimeProvider _timeProvider;
    private long _size;
    private long _clock;

    /// <summary>Creates a store with the default limit (64 MiB) and the system clock.</summary>
    public MemoryHttpCacheStore()
        : this(new MemoryHttpCacheStoreOptions(), TimeProvider.System)
    {
    }

    /// <summary>Creates a store.</summary>
    /// <param name="options">The size limit; copied.</param>
    /// <param name="timeProvider">The clock that expires entries.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size limit is not positive.</exception>
    public MemoryHttpCacheStore(MemoryHttpCacheStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (options.SizeLimit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SizeLimit, "MemoryHttpCacheStoreOptions.SizeLimit must be positive.");
        }

        SizeLimit = options.SizeLimit;
        _timeProvider = timeProvider;
    }

    /// <summary>The size limit in bytes.</summary>
    public long SizeLimit { get; }

    /// <summary>The entries' total <see cref="HttpCacheEntry.Size"/> now.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>The number of entries now (expired ones included until they are evicted or looked up).</summary>
    public int Count => _slots.Count;

    /// <inheritdoc />
    public ValueTask<HttpCacheEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_slots.TryGetValue(key, out var slot))
        {
            if (slot.ExpiresAt > _timeProvider.GetUtcNow())
            {
                slot.LastUse = Interlocked.Increment(ref _clock);
                return new ValueTask<HttpCacheEntry?>(slot.Entry);
            }

            Remove(key, slot);
        }

        return new ValueTask<HttpCacheEntry?>((HttpCacheEntry?)null);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, HttpCacheEntry entry, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(entry);
        if (timeToLive <= TimeSpan.Zero || entry.Size > SizeLimit)
        {
            return RemoveAsync(key, cancellationToken);
        }

        var slot = new Slot(entry, _timeProvider.GetUtcNow() + timeToLive) { LastUse = Interlocked.Increment(ref _clock) };
        lock (_writeLock)
        {
            if (_slots.TryGetValue(key, out var old))
            {
                _slots[key] = slot;
                _size += entry.Size - old.Entry.Size;
            }
            else
            {
                _slots[key] = slot;
                _size += entry.Size;
            }

            if (_size > SizeLimit)
            {
                Evict(key);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_slots.TryGetValue(key, out var slot))
        {
            Remove(key, slot);
        }

        return ValueTask.CompletedTask;
    }

    private void Remove(string key, Slot slot)
    {
        lock (_writeLock)
        {
            if (_slots.TryRemove(new KeyValuePair<string, Slot>(key, slot)))
            {
                _size -= slot.Entry.Size;
            }
        }
    }

    /// <summary>Under the write lock: expired entries first, then least recently used, until within the limit.</summary>
    private void Evict(string justStored)
    {
        var now = _timeProvider.GetUtcNow();
        var candidates = new List<KeyValuePair<string, Slot>>(_slots.Count);
        foreach (var pair in _slots)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _slots.TryRemove(pair);
                _size -= pair.Value.Entry.Size;
            }
            else if (!ReferenceEquals(pair.Key, justStored))
            {
                candidates.Add(pair);
            }
        }

        if (_size <= SizeLimit)
        {
            return;
        }

        candidates.Sort(static (a, b) => a.Value.LastUse.CompareTo(b.Value.LastUse));
        foreach (var pair in candidates)
        {
            if (_size <= SizeLimit)
            {
                break;
            }

            if (_slots.TryRemove(pair))
            {
                _size -= pair.Value.Entry.Size;
            }
        }
    }

    private sealed class Slot(HttpCacheEntry entry, DateTimeOffset expiresAt)
    {
        public HttpCacheEntry Entry { get; } = entry;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public long LastUse { get; set; }
    }
}
