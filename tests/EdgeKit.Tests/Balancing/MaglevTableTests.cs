using EdgeKit.Balancing;
using EdgeKit.Configuration;
using Xunit.Abstractions;

namespace EdgeKit.Tests.Balancing;

public class MaglevTableTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(512)]
    public void Default_size_is_65537_up_to_512_destinations(int count)
    {
        MaglevTable.DefaultSize(count).Should().Be(65537);
        NaiveIsPrime(65537).Should().BeTrue();
    }

    [Theory]
    [InlineData(513, 102407)]
    [InlineData(1000, 102407)]
    [InlineData(1024, 102407)]
    [InlineData(1025, 204803)]
    [InlineData(5000, 819229)]
    public void Default_size_above_512_destinations_is_the_first_prime_at_or_above_100_times_the_count_rounded_up_to_a_power_of_two(int count, int expected)
    {
        int size = MaglevTable.DefaultSize(count);

        size.Should().Be(expected);
        size.Should().BeGreaterThanOrEqualTo(100 * count);
        int rounded = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count);
        NaiveIsPrime(size).Should().BeTrue();
        Enumerable.Range(100 * rounded, size - (100 * rounded)).Where(NaiveIsPrime).Should().BeEmpty("no smaller prime is at or above 100 × the rounded count");
    }

    [Fact]
    public void Default_size_is_always_a_prime_of_at_least_100_slots_per_destination_and_changes_only_at_powers_of_two()
    {
        int previous = MaglevTable.DefaultSize(1);
        for (int count = 1; count <= 5000; count++)
        {
            int size = MaglevTable.DefaultSize(count);
            size.Should().BeGreaterThanOrEqualTo(100 * count);
            if (size != previous)
            {
                System.Numerics.BitOperations.IsPow2(count - 1).Should().BeTrue($"the size changed between {count - 1} and {count} destinations");
                NaiveIsPrime(size).Should().BeTrue();
                previous = size;
            }
        }
    }

    [Fact]
    public void A_configured_prime_at_least_100_times_the_count_is_used_as_is()
    {
        MaglevTable.ChooseSize(10, 65537).Should().Be(65537);
        MaglevTable.ChooseSize(10, 1009).Should().Be(1009, "1009 is prime and at least 100 × 10");
    }

    [Fact]
    public void A_configured_size_that_is_not_prime_is_raised_to_the_next_prime()
    {
        MaglevTable.ChooseSize(10, 2000).Should().Be(2003);
        MaglevTable.ChooseSize(3, 65536).Should().Be(65537);
        MaglevTable.ChooseSize(1, 100).Should().Be(101);
        MaglevTable.ChooseSize(1000, 99_999).Should().Be(100_003, "the next prime, 100,003, is at least 100 × 1,000");
    }

    [Fact]
    public void A_configured_size_below_100_times_the_count_gives_way_to_the_default()
    {
        MaglevTable.ChooseSize(10, 500).Should().Be(MaglevTable.DefaultSize(10)).And.Be(65537);
        MaglevTable.ChooseSize(10, 997).Should().Be(65537, "997 is prime but below 1000");
        MaglevTable.ChooseSize(100, 1).Should().Be(65537);
        MaglevTable.ChooseSize(1000, 99_000).Should().Be(102407, "the prime after 99,000 is below 100 × 1,000");
    }

    [Fact]
    public void The_largest_table_size_is_prime_and_is_never_exceeded()
    {
        NaiveIsPrime(ConsistentHashOptions.MaxTableSize).Should().BeTrue();
        MaglevTable.NextPrime(ConsistentHashOptions.MaxTableSize).Should().Be(ConsistentHashOptions.MaxTableSize);
        MaglevTable.ChooseSize(10, ConsistentHashOptions.MaxTableSize).Should().Be(ConsistentHashOptions.MaxTableSize);
        MaglevTable.DefaultSize(1_000_000).Should().Be(ConsistentHashOptions.MaxTableSize);
    }

    [Fact]
    public void IsPrime_and_NextPrime_agree_with_trial_division()
    {
        for (int n = -3; n < 5000; n++)
        {
            MaglevTable.IsPrime(n).Should().Be(NaiveIsPrime(n), $"{n}");
            int next = MaglevTable.NextPrime(n);
            NaiveIsPrime(next).Should().BeTrue();
            next.Should().BeGreaterThanOrEqualTo(n);
            Enumerable.Range(Math.Max(n, 0), Math.Max(0, next - Math.Max(n, 0))).Where(NaiveIsPrime).Should().BeEmpty();
        }
    }

    [Theory]
    [InlineData(10, 1009)]
    [InlineData(100, 10007)]
    [InlineData(1000, 100003)]
    [InlineData(10, 65537)]
    [InlineData(100, 65537)]
    public void Equal_weights_share_the_slots_within_1_percent_of_the_mean(int count, int size)
    {
        var table = Build(count, size);
        double mean = (double)table.Size / count;
        var counts = Enumerable.Range(0, count).Select(table.GetSlotCount).ToArray();

        counts.Sum().Should().Be(table.Size);
        double worst = counts.Max(c => Math.Abs(c - mean) / mean);
        output.WriteLine($"N={count}, M={table.Size}: slots per destination {counts.Min()}..{counts.Max()}, mean {mean:F2}, worst deviation {worst:P3}");
        worst.Should().BeLessThanOrEqualTo(0.01);
        counts.Should().OnlyContain(c => c == (int)Math.Floor(mean) || c == (int)Math.Ceiling(mean), "equal weights take turns round robin");
    }

    [Fact]
    public void Slot_counts_match_the_entries()
    {
        var table = Build(7, 1009, i => i + 1);
        var counted = new int[7];
        for (int slot = 0; slot < table.Size; slot++)
        {
            counted[table[slot]]++;
        }

        counted.Should().Equal(Enumerable.Range(0, 7).Select(table.GetSlotCount));
    }

    [Theory]
    [InlineData(307)]
    [InlineData(65537)]
    public void Weights_1_2_3_get_shares_within_1_percent_of_one_two_and_three_sixths(int size)
    {
        var table = Build(3, size, i => i + 1);
        for (int i = 0; i < 3; i++)
        {
            double share = (double)table.GetSlotCount(i) / table.Size;
            double expected = (i + 1) / 6.0;
            output.WriteLine($"weight {i + 1}: {table.GetSlotCount(i)}/{table.Size} = {share:P3} (ideal {expected:P3}, off by {Math.Abs(share - expected) / expected:P3})");
            share.Should().BeApproximately(expected, expected * 0.01);
        }
    }

    [Fact]
    public void Weighted_shares_stay_within_one_slot_of_the_ideal()
    {
        int[] weights = [1, 5, 10, 3, 100, 7, 1, 42];
        var table = Build(weights.Length, 8191, i => weights[i]);
        int total = weights.Sum();
        for (int i = 0; i < weights.Length; i++)
        {
            double ideal = (double)table.Size * weights[i] / total;
            table.GetSlotCount(i).Should().BeInRange((int)Math.Floor(ideal) - 1, (int)Math.Ceiling(ideal) + 1, $"weight {weights[i]} ideally owns {ideal:F1} slots");
        }
    }

    [Fact]
    public void The_table_depends_on_the_set_of_ids_not_their_order_or_letter_case()
    {
        var ids = Enumerable.Range(0, 20).Select(i => $"orders-{i}").ToArray();
        var weights = Enumerable.Range(0, 20).Select(i => (i % 3) + 1).ToArray();
        var table = new MaglevTable(ids, weights, 2003);

        var shuffled = Enumerable.Range(0, 20).OrderBy(i => (i * 7) % 20).ToArray();
        var other = new MaglevTable(
            shuffled.Select(i => ids[i].ToUpperInvariant()).ToArray(),
            shuffled.Select(i => weights[i]).ToArray(),
            2003);

        for (int slot = 0; slot < table.Size; slot++)
        {
            ids[table[slot]].Should().BeEquivalentTo(ids[shuffled[other[slot]]]);
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Removing_one_member_reassigns_few_slots_besides_its_own(int count)
    {
        int size = MaglevTable.DefaultSize(count);
        var ids = Enumerable.Range(0, count).Select(i => $"d{i}").ToArray();
        var table = new MaglevTable(ids, Enumerable.Repeat(1, count).ToArray(), size);
        int removed = count / 2;
        var rest = ids.Where((_, i) => i != removed).ToArray();
        var after = new MaglevTable(rest, Enumerable.Repeat(1, count - 1).ToArray(), size);

        int changed = 0;
        int changedElsewhere = 0;
        for (int slot = 0; slot < size; slot++)
        {
            if (ids[table[slot]] != rest[after[slot]])
            {
                changed++;
                if (table[slot] != removed)
                {
                    changedElsewhere++;
                }
            }
        }

        output.WriteLine($"N={count}, M={size}: {changed} slots changed ({(double)changed / size:P2}), {changedElsewhere} not the removed member's ({(double)changedElsewhere / size:P2})");
        ((double)changed / size).Should().BeLessThanOrEqualTo((1.0 / count) + 0.01);
    }

    [Fact]
    public void Key_hashes_are_stable_across_processes_and_versions()
    {
        // XxHash3 with the key seed: part of the format, since every instance must map a key to the same slot.
        // If this fails the hash or its seed changed, and every deployed key would move.
        MaglevTable.HashKey("user-1").Should().Be(MaglevTable.HashKey("user-1".AsSpan()));
        MaglevTable.HashKey("user-1").Should().NotBe(MaglevTable.HashKey("User-1"), "keys are case-sensitive");
        MaglevTable.HashKey("").Should().Be(PinnedEmptyKeyHash);
        MaglevTable.HashKey("user-1").Should().Be(PinnedUser1Hash);
    }

    [Fact]
    public void Tables_are_stable_across_processes_and_versions()
    {
        // Instances of different versions run side by side during a rolling upgrade and must agree on every key:
        // the population algorithm, like the hash, is part of the format. If this fails, keys move on upgrade.
        var table = Build(10, 65537, i => (i % 3) + 1);
        var entries = Enumerable.Range(0, table.Size).Select(slot => table[slot]).ToArray();
        ulong checksum = System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(entries.AsSpan()));

        checksum.Should().Be(PinnedTableChecksum);
    }

    [Fact]
    public void Hashing_a_key_allocates_nothing()
    {
        var keys = Enumerable.Range(0, 100).Select(i => $"session-{i}").ToArray();
        ulong sink = 0;
        foreach (var key in keys)
        {
            sink ^= MaglevTable.HashKey(key);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            foreach (var key in keys)
            {
                sink ^= MaglevTable.HashKey(key);
            }
        }

        GC.GetAllocatedBytesForCurrentThread().Should().Be(before);
        sink.Should().NotBe(0);
    }

    [Fact]
    public void SlotOf_spreads_hashes_over_the_whole_table()
    {
        var table = Build(1, 101);
        table.SlotOf(0).Should().Be(0);
        table.SlotOf(ulong.MaxValue).Should().Be(100);
        table.SlotOf(ulong.MaxValue / 2).Should().Be(50);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        FluentActions.Invoking(() => new MaglevTable([], [], 101)).Should().Throw<ArgumentException>().WithMessage("A Maglev table needs at least one member.*");
        FluentActions.Invoking(() => new MaglevTable(["a"], [1, 2], 101)).Should().Throw<ArgumentException>().WithMessage("1 ids but 2 weights.*");
        FluentActions.Invoking(() => new MaglevTable(["a"], [1], 100)).Should().Throw<ArgumentException>().WithMessage("The table size must be prime, was 100.*");
        FluentActions.Invoking(() => new MaglevTable(["a"], [0], 101)).Should().Throw<ArgumentException>().WithMessage("Member 'a' has weight 0; weights must be at least 1.*");
    }

    internal const ulong PinnedEmptyKeyHash = 10750960589539811655;
    internal const ulong PinnedUser1Hash = 11990164755843000120;
    internal const ulong PinnedTableChecksum = 14114793829651261850;

    private static MaglevTable Build(int count, int size, Func<int, int>? weight = null) =>
        new(
            Enumerable.Range(0, count).Select(i => $"d{i}").ToArray(),
            Enumerable.Range(0, count).Select(i => weight?.Invoke(i) ?? 1).ToArray(),
            size);

    private static bool NaiveIsPrime(int n)
    {
        if (n < 2)
        {
            return false;
        }

        for (int d = 2; (long)d * d <= n; d++)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}
