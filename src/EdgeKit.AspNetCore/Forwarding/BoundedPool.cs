using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// A lock-free pool of per-request objects that keeps at most <c>capacity</c> of them: enough for the requests in
/// flight, never a heap of idle ones after a burst.
/// </summary>
/// <typeparam name="T">The pooled type.</typeparam>
internal sealed class BoundedPool<T>(int capacity)
    where T : class
{
    private readonly ConcurrentQueue<T> _items = new();
    private int _count;

    /// <summary>Takes a pooled object, if there is one.</summary>
    public bool TryRent([NotNullWhen(true)] out T? item)
    {
        if (_items.TryDequeue(out item))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    /// <summary>Keeps <paramref name="item"/> for a later request; <see langword="false"/> when the pool is full (the caller drops it).</summary>
    public bool TryReturn(T item)
    {
        if (Interlocked.Increment(ref _count) <= capacity)
        {
            _items.Enqueue(item);
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }
}
