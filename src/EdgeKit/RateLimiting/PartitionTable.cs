namespace EdgeKit.RateLimiting;

/// <summary>
/// The keys of a partitioned limiter: a fixed-size hash table with chains threaded through the entries themselves, sized
/// once for the cap (never resized). Lookups take no lock and allocate nothing; adds and removes happen under the
/// limiter's lock. A removed entry keeps its <see cref="Entry.Next"/>, so a lookup walking through it still reaches the
/// rest of its chain; an entry added during a lookup may be missed, which the caller handles by checking again under
/// the lock.
/// </summary>
/// <typeparam name="TKey">The key.</typeparam>
internal sealed class PartitionTable<TKey>
    where TKey : notnull
{
    private readonly Entry?[] _buckets;
    private readonly IEqualityComparer<TKey> _comparer;
    private readonly int _mask;
    private int _count;

    public PartitionTable(int capacity, IEqualityComparer<TKey> comparer)
    {
        int size = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 1)));
        _buckets = new Entry?[size];
        _mask = size - 1;
        _comparer = comparer;
    }

    public int Count => Volatile.Read(ref _count);

    public int Hash(TKey key) => _comparer.GetHashCode(key) & int.MaxValue;

    /// <summary>
    /// Finds the entry of <paramref name="key"/>; lock-free. <paramref name="generation"/> is the entry's generation
    /// while it held the key: the caller checks it again after acting on the entry, which may have been recycled since.
    /// </summary>
    public Entry? Find(TKey key, int hash, out int generation)
    {
        for (var entry = Volatile.Read(ref _buckets[hash & _mask]); entry is not null; entry = Volatile.Read(ref entry.Next))
        {
            generation = Volatile.Read(ref entry.Generation);
            if (entry.HashCode == hash && _comparer.Equals(entry.Key, key) && Volatile.Read(ref entry.Generation) == generation)
            {
                return entry;
            }
        }

        generation = 0;
        return null;
    }

    /// <summary>Adds an entry whose key is not present. Under the caller's lock.</summary>
    public void Add(Entry entry)
    {
        ref var head = ref _buckets[entry.HashCode & _mask];
        entry.Next = head;
        Volatile.Write(ref head, entry); // publishes the entry fully built
        _count++;
    }

    /// <summary>Unlinks <paramref name="entry"/>. Under the caller's lock.</summary>
    public void Remove(Entry entry)
    {
        ref var link = ref _buckets[entry.HashCode & _mask];
        while (link is not null)
        {
            if (ReferenceEquals(link, entry))
            {
                Volatile.Write(ref link, entry.Next);
                _count--;
                return;
            }

            link = ref link.Next;
        }
    }

    /// <summary>A partition: its bucket, key and place in its chain. Recycled for another key once evicted.</summary>
    internal sealed class Entry(TokenBucketRules rules, long now, TKey key, int hashCode) : TokenBucketState(rules, now)
    {
        public TKey Key = key;

        public int HashCode = hashCode;

        public Entry? Next;

        /// <summary>
        /// Gives this evicted (and unlinked) entry to <paramref name="key"/>, full at <paramref name="now"/>. Under the
        /// limiter's lock. The generation moves first, and the first TAT (the eviction sentinel until then) is written
        /// last, so a caller that still holds the entry for its old key either sees the sentinel or a new generation.
        /// </summary>
        public void Recycle(TKey key, int hashCode, long now)
        {
            Interlocked.Increment(ref Generation);
            Key = key;
            HashCode = hashCode;
            for (int i = 1; i < Tats.Length; i++)
            {
                Volatile.Write(ref Tats[i], now);
            }

            Volatile.Write(ref Tats[0], now);
        }
    }
}
