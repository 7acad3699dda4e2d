using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace EdgeKit.Balancing;

/// <summary>
/// The key → destination-id bindings of <see cref="SessionAffinityStrategy"/>, shared by the pickers of
/// successive snapshots of one cluster so that bindings survive changes of destinations, health and settings.
/// </summary>
/// <remarks>
/// <para><b>Reads</b> are a <see cref="ConcurrentDictionary{TKey, TValue}"/> lookup (lock-free, no allocation), then
/// at most one write of the binding's last-use timestamp, and only when it moved by at least the touch granularity
/// the caller passes (so that a hot key does not write its cache line on every request).</para>
/// <para><b>The cap.</b> Every binding is also in a FIFO queue, in the order it was added. An addition that takes
/// the table over the cap evicts (<see cref="Evict"/>): it takes bindings off the head of the queue, removing one
/// unused since it was queued, and queueing one used since then again at the back as of its last use (a second
/// chance), until the table is back under the cap, looking at <see cref="EvictBudget"/> bindings at most and
/// removing the last of them regardless. An unused binding at the head is the one idle the longest, since every
/// binding behind it was queued, and so last used, no earlier; so eviction is in least-recently-used order, except
/// that a binding given its second chance waits behind bindings queued before its last use. Every addition over the
/// cap removes at least one binding, and concurrent additions evict concurrently (the queue is lock-free and a
/// binding taken off it belongs to the thread that took it), so the table exceeds the cap by at most the number of
/// additions in flight at that moment. Work per addition is bounded; nothing scans the whole table.</para>
/// <para><b>Idle bindings</b> are ignored (and re-bound) by readers once idle past the timeout; they stay in the table,
/// counted against the cap, until eviction reaches them, which, being the least recently used, they are first for.
/// Memory is bounded by the cap whether or not keys come back.</para>
/// </remarks>
internal sealed class SessionAffinityTable
{
    /// <summary>The most bindings one <see cref="Evict"/> call looks at.</summary>
    internal const int EvictBudget = 16;

    private readonly ConcurrentDictionary<string, Binding> _bindings = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Binding> _queue = new();
    private int _count;

    /// <summary>How many keys are bound.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The bound keys, for diagnostics and tests (takes the dictionary's locks; not for the request path).</summary>
    public IEnumerable<string> Keys => _bindings.Keys;

    /// <summary>Finds a key's binding, whatever its age.</summary>
    /// <param name="key">The request key (case-sensitive).</param>
    /// <param name="binding">The binding, when found.</param>
    /// <returns>Whether the key is bound.</returns>
    public bool TryGet(string key, [NotNullWhen(true)] out Binding? binding) => _bindings.TryGetValue(key, out binding);

    /// <summary>Binds a key unless another request bound it first; evicts if that takes the table over <paramref name="maxKeys"/>.</summary>
    /// <param name="key">The request key.</param>
    /// <param name="destinationId">The destination to bind it to.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="maxKeys">The cap on bound keys.</param>
    /// <returns>The key's binding: the new one, or the one another request added first.</returns>
    public Binding Add(string key, string destinationId, long now, int maxKeys)
    {
        var binding = new Binding(key, destinationId, now);
        while (true)
        {
            if (_bindings.TryAdd(key, binding))
            {
                _queue.Enqueue(binding);
                if (Interlocked.Increment(ref _count) > maxKeys)
                {
                    Evict(maxKeys);
                }

                return binding;
            }

            if (_bindings.TryGetValue(key, out var existing))
            {
                return existing;
            }

            // Evicted between the two calls: try again.
        }
    }

    /// <summary>
    /// While over <paramref name="maxKeys"/>, removes the least recently used bindings (see the remarks of
    /// <see cref="SessionAffinityTable"/>); looks at <see cref="EvictBudget"/> bindings at most, and removes at least one
    /// if the table is over the cap. Safe to call from several threads at once.
    /// </summary>
    /// <param name="maxKeys">The cap on bound keys.</param>
    public void Evict(int maxKeys)
    {
        for (int budget = EvictBudget; budget > 0 && Volatile.Read(ref _count) > maxKeys; budget--)
        {
            if (!_queue.TryDequeue(out var head))
            {
                return;
            }

            long lastUsed = head.LastUsed;
            if (lastUsed <= head.QueuedAt || budget == 1)
            {
                // Unused since it was queued: the least recently used. Or the last one this call may look at.
                Remove(head);
            }
            else
            {
                // Used since it was queued: a second chance, at the back, as of its last use.
                head.QueuedAt = lastUsed;
                _queue.Enqueue(head);
            }
        }
    }

    private void Remove(Binding binding)
    {
        // Only if the key is still bound by this very binding.
        if (_bindings.TryRemove(KeyValuePair.Create(binding.Key, binding)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>One key's binding: the destination it goes to and when it was last used.</summary>
    internal sealed class Binding
    {
        private string _destinationId;
        private long _lastUsed;

        internal Binding(string key, string destinationId, long now)
        {
            Key = key;
            _destinationId = destinationId;
            _lastUsed = now;
            QueuedAt = now;
        }

        /// <summary>The request key.</summary>
        public string Key { get; }

        /// <summary>The id of the destination the key goes to.</summary>
        public string DestinationId => Volatile.Read(ref _destinationId);

        /// <summary>The timestamp of the last request that used the binding (to within the touch granularity).</summary>
        public long LastUsed => Volatile.Read(ref _lastUsed);

        /// <summary>The last use recorded when the binding was last queued; only the thread that takes it off the queue touches it.</summary>
        internal long QueuedAt { get; set; }

        /// <summary>Records a use, if <paramref name="now"/> is at least <paramref name="granularity"/> past the last recorded one.</summary>
        /// <param name="now">The current timestamp.</param>
        /// <param name="granularity">The smallest advance worth a write, in timestamp units.</param>
        public void Touch(long now, long granularity)
        {
            if (now - Volatile.Read(ref _lastUsed) >= granularity)
            {
                Volatile.Write(ref _lastUsed, now);
            }
        }

        /// <summary>
        /// Re-binds the key to <paramref name="destinationId"/> if it is still bound to <paramref name="expected"/>
        /// (compared by reference, as read from <see cref="DestinationId"/>), and records a use.
        /// </summary>
        /// <param name="expected">The destination id read before deciding to re-bind.</param>
        /// <param name="destinationId">The new destination id.</param>
        /// <param name="now">The current timestamp.</param>
        /// <returns>Whether this call re-bound it; <see langword="false"/> when another request re-bound it first.</returns>
        public bool TryRebind(string expected, string destinationId, long now)
        {
            // The use first: a reader that sees the new destination must not also see the old, expired, timestamp
            // and re-bind it again. (A reader may see the new timestamp with the old destination, and send one
            // request there, if that destination is still available.)
            Volatile.Write(ref _lastUsed, now);
            return ReferenceEquals(Interlocked.CompareExchange(ref _destinationId, destinationId, expected), expected);
        }
    }
}
