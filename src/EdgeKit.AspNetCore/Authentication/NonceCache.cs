using System.Collections.Concurrent;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// Remembers nonces until they expire, up to a fixed number. Adding takes no lock: a concurrent dictionary holds the
/// nonces and a queue, in order of expiry (every entry lives equally long), lets expired ones be dropped from the
/// front. Under heavy concurrency the count may pass the capacity by at most the number of concurrent adders.
/// </summary>
internal sealed class NonceCache(int capacity, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, long> _nonces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Nonce, long ExpiresAt)> _expiry = new();
    private readonly Lock _sweep = new();
    private int _count;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The nonce cache needs a positive capacity.");

    public int Count => Volatile.Read(ref _count);

    /// <summary>Records <paramref name="nonce"/> for <paramref name="lifetime"/>.</summary>
    public NonceResult TryAdd(string nonce, TimeSpan lifetime)
    {
        long now = timeProvider.GetUtcNow().UtcTicks;
        RemoveExpired(now);
        if (_nonces.TryGetValue(nonce, out long expiresAt) && expiresAt > now)
        {
            return NonceResult.Replayed;
        }

        if (Volatile.Read(ref _count) >= Capacity)
        {
            return NonceResult.Full;
        }

        long expires = now + lifetime.Ticks;
        if (!_nonces.TryAdd(nonce, expires))
        {
            return NonceResult.Replayed;
        }

        Interlocked.Increment(ref _count);
        _expiry.Enqueue((nonce, expires));
        return NonceResult.Added;
    }

    private void RemoveExpired(long now)
    {
        if (!_expiry.TryPeek(out var head) || head.ExpiresAt > now || !_sweep.TryEnter())
        {
            return; // nothing expired, or another request is sweeping: never wait for it
        }

        try
        {
            // Only the sweeper dequeues, so the head peeked is the head dequeued.
            while (_expiry.TryPeek(out head) && head.ExpiresAt <= now && _expiry.TryDequeue(out head))
            {
                if (_nonces.TryRemove(new KeyValuePair<string, long>(head.Nonce, head.ExpiresAt)))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
        finally
        {
            _sweep.Exit();
        }
    }
}
