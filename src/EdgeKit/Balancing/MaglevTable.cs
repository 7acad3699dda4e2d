using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeKit.Configuration;

namespace EdgeKit.Balancing;

/// <summary>
/// A weighted Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
/// Balancer", NSDI 2016): a prime number of slots, each naming one member, built so that every member owns a
/// share of the slots proportional to its weight and so that removing or adding one member changes few slots.
/// </summary>
/// <remarks>
/// <para><b>Population.</b> Each member has a permutation of the slots, <c>(offset + j × skip) mod M</c>, where
/// <c>offset = h1(id) mod M</c> and <c>skip = h2(id) mod (M − 1) + 1</c> come from two independently seeded
/// 64-bit hashes of its id; since M is prime every skip visits every slot. Members take turns claiming the
/// next slot of their permutation not claimed yet, until the table is full. In the paper the turns go round
/// robin; here, for weights, the next turn goes to the member with the smallest (2 × slots owned + 1) ÷ weight
/// (Sainte-Laguë/Webster apportionment, ties to the lower id), which is round robin when weights are equal and
/// otherwise interleaves members in proportion to weight, so each owns within about one slot of
/// M × weight ÷ total weight. A member whose fair share is below half a slot may own none.</para>
/// <para><b>Determinism.</b> The table depends only on the set of (id, weight) pairs and M: members are ordered by
/// id (ordinal, upper-cased the way the cluster compares ids) before turns are given, and ids are hashed upper-cased,
/// so every process given the same destinations, in any order or letter case, builds the same table.</para>
/// <para><b>Hash.</b> XxHash3 (System.IO.Hashing), 64 bits, over the UTF-16 code units of a string
/// (little-endian, as .NET lays them out), with a fixed seed per use. Keys map to slots by the high 64 bits of
/// hash × M (Lemire's multiply-shift reduction), which is uniform and avoids a 64-bit division.
/// Changing a seed moves every key: they are part of the format.</para>
/// </remarks>
internal sealed class MaglevTable
{
    /// <summary>Slots per destination below which balance suffers (the Maglev paper's and Envoy's guidance).</summary>
    internal const int SlotsPerDestination = ConsistentHashOptions.MinTableSizePerDestination;

    /// <summary>The smallest default table size: 65,537 (a prime; Envoy's default Maglev table size).</summary>
    internal const int DefaultMinimumSize = 65_537;

    // ASCII "maglev_o", "maglev_s", "maglev_k": the seeds of a member's offset, its skip, and a request key.
    private const long OffsetSeed = 0x6d61676c65765f6f;
    private const long SkipSeed = 0x6d61676c65765f73;
    private const long KeySeed = 0x6d61676c65765f6b;

    private readonly int[] _entries;
    private readonly int[] _slotCounts;

    /// <summary>Builds a table.</summary>
    /// <param name="ids">The members' ids; the table's entries are indexes into this list.</param>
    /// <param name="weights">The members' weights (each at least 1), in the same order.</param>
    /// <param name="size">The number of slots: a prime.</param>
    /// <exception cref="ArgumentException">No member, lengths differ, a weight is below 1, or <paramref name="size"/> is not prime.</exception>
    public MaglevTable(ReadOnlySpan<string> ids, ReadOnlySpan<int> weights, int size)
    {
        if (ids.IsEmpty)
        {
            throw new ArgumentException("A Maglev table needs at least one member.", nameof(ids));
        }

        if (weights.Length != ids.Length)
        {
            throw new ArgumentException($"{ids.Length} ids but {weights.Length} weights.", nameof(weights));
        }

        if (!IsPrime(size))
        {
            throw new ArgumentException($"The table size must be prime, was {size}.", nameof(size));
        }

        int count = ids.Length;
        var normalized = new string[count];
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            ArgumentNullException.ThrowIfNull(ids[i], nameof(ids));
            if (weights[i] < 1)
            {
                throw new ArgumentException($"Member '{ids[i]}' has weight {weights[i]}; weights must be at least 1.", nameof(weights));
            }

            normalized[i] = ids[i].ToUpperInvariant();
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            int byId = string.CompareOrdinal(normalized[a], normalized[b]);
            return byId != 0 ? byId : a.CompareTo(b);
        });

        // Per rank (position in id order): where the member's permutation is now, and its step.
        var next = new int[count];
        var skip = new int[count];
        var rankWeights = new long[count];
        for (int rank = 0; rank < count; rank++)
        {
            var bytes = MemoryMarshal.AsBytes(normalized[order[rank]].AsSpan());
            next[rank] = (int)(XxHash3.HashToUInt64(bytes, OffsetSeed) % (ulong)size);
            skip[rank] = (int)(XxHash3.HashToUInt64(bytes, SkipSeed) % (ulong)(size - 1)) + 1;
            rankWeights[rank] = weights[order[rank]];
        }

        var entries = new int[size];
        entries.AsSpan().Fill(-1);
        var owned = new long[count];
        var turns = new PriorityQueue<int, int>(count, new TurnComparer(owned, rankWeights));
        for (int rank = 0; rank < count; rank++)
        {
            turns.Enqueue(rank, rank);
        }

        for (int filled = 0; filled < size; filled++)
        {
            int rank = turns.Dequeue();
            int slot = next[rank];
            int step = skip[rank];
            while (entries[slot] >= 0)
            {
                slot += step;
                if (slot >= size)
                {
                    slot -= size;
                }
            }

            entries[slot] = order[rank];
            slot += step;
            next[rank] = slot >= size ? slot - size : slot;
            owned[rank]++;
            turns.Enqueue(rank, rank);
        }

        var slotCounts = new int[count];
        for (int rank = 0; rank < count; rank++)
        {
            slotCounts[order[rank]] = (int)owned[rank];
        }

        _entries = entries;
        _slotCounts = slotCounts;
    }

    /// <summary>The number of slots (a prime).</summary>
    public int Size => _entries.Length;

    /// <summary>The number of members.</summary>
    public int MemberCount => _slotCounts.Length;

    /// <summary>The member (an index into the ids the table was built from) owning a slot.</summary>
    /// <param name="slot">A slot, from 0 to <see cref="Size"/> − 1.</param>
    public int this[int slot]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _entries[slot];
    }

    /// <summary>How many slots a member owns.</summary>
    /// <param name="member">An index into the ids the table was built from.</param>
    /// <returns>The member's slot count.</returns>
    public int GetSlotCount(int member) => _slotCounts[member];

    /// <summary>The slot a 64-bit hash falls in: the high half of hash × <see cref="Size"/>.</summary>
    /// <param name="hash">A well-mixed 64-bit hash, such as <see cref="HashKey"/>'s.</param>
    /// <returns>A slot from 0 to <see cref="Size"/> − 1.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SlotOf(ulong hash) => (int)Math.BigMul(hash, (ulong)(uint)_entries.Length, out _);

    /// <summary>The hash of a request key: XxHash3 of its UTF-16 code units, with the key seed. Allocates nothing.</summary>
    /// <param name="key">The key; compared as is (case-sensitive).</param>
    /// <returns>The 64-bit hash.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashKey(ReadOnlySpan<char> key) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key), KeySeed);

    /// <summary>
    /// The table size used when none is configured (or the configured one is too small):
    /// <see cref="DefaultMinimumSize"/> (65,537, Envoy's default), or for more than 512 destinations the first
    /// prime at or above 100 × the destination count rounded up to a power of two.
    /// </summary>
    /// <remarks>
    /// <para>Why not the first prime at or above 100 × the count: a change of size moves nearly every key (each key's
    /// slot is its hash scaled to the size), so a size that followed the exact count would reshuffle every key
    /// whenever a destination joined or left. The size here changes only when the count crosses a power of two above
    /// 512, and it is a function of the count alone, so instances that see the same destinations agree on every key.</para>
    /// <para>Why at least 65,537: Maglev moves some keys besides those of a destination that leaves, fewer the more
    /// slots each destination has. Measured, removing one of 10 or 100 destinations reassigns, besides its own,
    /// about 2.1% / 1.5% of the slots with 100–160 slots per destination, 0.9% / 1.0% with 256–640, and
    /// 0.3% / 0.55% with 65,537 slots. 65,537 slots of 4 bytes is 256 KiB per table.</para>
    /// </remarks>
    /// <param name="destinationCount">How many destinations the cluster has (available or not).</param>
    /// <returns>A prime, at least <see cref="DefaultMinimumSize"/> and at most <see cref="ConsistentHashOptions.MaxTableSize"/>.</returns>
    public static int DefaultSize(int destinationCount)
    {
        uint rounded = BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, destinationCount));
        long target = Math.Clamp((long)SlotsPerDestination * rounded, DefaultMinimumSize, ConsistentHashOptions.MaxTableSize);
        return NextPrime((int)target);
    }

    /// <summary>
    /// The table size for a cluster: <paramref name="configured"/> raised to the next prime when that is at least
    /// 100 × <paramref name="destinationCount"/>; otherwise (none configured, or too small) <see cref="DefaultSize"/>.
    /// </summary>
    /// <param name="destinationCount">How many destinations the cluster has (available or not).</param>
    /// <param name="configured"><see cref="ConsistentHashOptions.TableSize"/>, from 1 to <see cref="ConsistentHashOptions.MaxTableSize"/>, or <see langword="null"/>.</param>
    /// <returns>A prime table size.</returns>
    public static int ChooseSize(int destinationCount, int? configured)
    {
        if (configured is { } size)
        {
            int prime = NextPrime(Math.Clamp(size, 2, ConsistentHashOptions.MaxTableSize));
            if (prime >= (long)SlotsPerDestination * Math.Max(1, destinationCount))
            {
                return prime;
            }
        }

        return DefaultSize(destinationCount);
    }

    /// <summary>The smallest prime at or above <paramref name="value"/> (2 for anything below 2).</summary>
    /// <param name="value">Where to start; at most <see cref="ConsistentHashOptions.MaxTableSize"/> (itself prime).</param>
    /// <returns>The prime.</returns>
    public static int NextPrime(int value)
    {
        if (value <= 2)
        {
            return 2;
        }

        int candidate = value | 1;
        while (!IsPrime(candidate))
        {
            candidate += 2;
        }

        return candidate;
    }

    /// <summary>Whether <paramref name="value"/> is prime (trial division; fine for table sizes).</summary>
    /// <param name="value">The number.</param>
    /// <returns><see langword="true"/> when prime.</returns>
    public static bool IsPrime(int value)
    {
        if (value < 4)
        {
            return value >= 2;
        }

        if (value % 2 == 0 || value % 3 == 0)
        {
            return false;
        }

        for (long divisor = 5; divisor * divisor <= value; divisor += 6)
        {
            if (value % divisor == 0 || value % (divisor + 2) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Orders members by whose turn is next: the smallest (2 × owned + 1) ÷ weight, compared exactly as
    /// (2 × owned_a + 1) × weight_b against (2 × owned_b + 1) × weight_a; ties to the lower rank.
    /// The queue's element and priority are both the rank; the comparer reads the live counts.
    /// </summary>
    private sealed class TurnComparer(long[] owned, long[] weights) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            long left = ((2 * owned[a]) + 1) * weights[b];
            long right = ((2 * owned[b]) + 1) * weights[a];
            return left != right ? left.CompareTo(right) : a.CompareTo(b);
        }
    }
}
