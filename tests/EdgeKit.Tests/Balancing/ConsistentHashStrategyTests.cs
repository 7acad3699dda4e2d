using EdgeKit.Balancing;
using EdgeKit.Destinations;
using Xunit.Abstractions;
using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class ConsistentHashStrategyTests(ITestOutputHelper output)
{
    private const string Strategy = LoadBalancingStrategyNames.ConsistentHash;

    private static readonly string[] s_keys = Enumerable.Range(0, 100_000).Select(i => $"user-{i}").ToArray();

    [Fact]
    public void Is_a_built_in_strategy()
    {
        LoadBalancingStrategyCollection.BuiltIn.Get(Strategy).Should().BeOfType<ConsistentHashStrategy>();
        CreateCluster(Strategy, 3).Snapshot.Picker.Should().BeOfType<ConsistentHashStrategy.Picker>();
    }

    [Fact]
    public void The_same_key_goes_to_the_same_destination()
    {
        var cluster = CreateCluster(Strategy, 10);
        var first = Map(cluster, s_keys);

        Map(cluster, s_keys).Should().Equal(first);
        first.Distinct().Should().HaveCount(10);
    }

    [Fact]
    public void Every_instance_with_the_same_destinations_maps_keys_alike_whatever_their_order()
    {
        var cluster = CreateCluster(Strategy, 10);
        var destinations = cluster.Snapshot.AllDestinations.Select(d => d.Destination).Reverse();
        var other = new Cluster("other", destinations, new LoadBalancingOptions { Strategy = Strategy }, new ClusterEnvironment(random: new Random(99)));

        Map(other, s_keys).Should().Equal(Map(cluster, s_keys));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Removing_one_destination_moves_little_more_than_its_own_keys(int count)
    {
        var cluster = CreateCluster(Strategy, count);
        var before = Map(cluster, s_keys);
        string removed = $"d{count / 2}";

        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination).Where(d => d.Id != removed));
        var after = Map(cluster, s_keys);

        int moved = 0;
        int onRemoved = 0;
        int movedElsewhere = 0;
        for (int i = 0; i < s_keys.Length; i++)
        {
            after[i].Should().NotBe(removed);
            if (before[i] == removed)
            {
                onRemoved++;
            }

            if (before[i] != after[i])
            {
                moved++;
                if (before[i] != removed)
                {
                    movedElsewhere++;
                }
            }
        }

        double movedFraction = (double)moved / s_keys.Length;
        double elsewhereFraction = (double)movedElsewhere / (s_keys.Length - onRemoved);
        output.WriteLine($"N={count}, M={TableOf(cluster).Size}: {moved} of {s_keys.Length} keys moved ({movedFraction:P2}; 1/N = {1.0 / count:P2}); " +
            $"{onRemoved} were on {removed}; {movedElsewhere} of the others moved ({elsewhereFraction:P2})");
        movedFraction.Should().BeLessThanOrEqualTo((1.0 / count) + 0.01);
        elsewhereFraction.Should().BeLessThanOrEqualTo(0.01);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void Adding_one_destination_moves_little_more_than_its_share_of_keys(int count)
    {
        var cluster = CreateCluster(Strategy, count);
        var before = Map(cluster, s_keys);

        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination)
            .Append(new Destination("added", new Uri("http://10.1.0.1:8080"))));
        var after = Map(cluster, s_keys);

        int moved = 0;
        int movedElsewhere = 0;
        for (int i = 0; i < s_keys.Length; i++)
        {
            if (before[i] != after[i])
            {
                moved++;
                if (after[i] != "added")
                {
                    movedElsewhere++;
                }
            }
        }

        double movedFraction = (double)moved / s_keys.Length;
        output.WriteLine($"N={count}+1: {moved} keys moved ({movedFraction:P2}; 1/(N+1) = {1.0 / (count + 1):P2}), {movedElsewhere} of them not to the new destination");
        movedFraction.Should().BeLessThanOrEqualTo((1.0 / (count + 1)) + 0.01);
    }

    [Fact]
    public void An_unhealthy_destination_loses_its_keys_and_gets_them_back_when_it_recovers()
    {
        var cluster = CreateCluster(Strategy, 10);
        var before = Map(cluster, s_keys);
        var sick = State(cluster, "d3");
        int size = TableOf(cluster).Size;

        cluster.SetHealth(sick, DestinationHealth.Unhealthy);
        var during = Map(cluster, s_keys);
        TableOf(cluster).Size.Should().Be(size, "health never resizes the table");
        during.Should().NotContain("d3");
        int movedElsewhere = before.Zip(during).Count(p => p.First != "d3" && p.First != p.Second);
        ((double)movedElsewhere / s_keys.Length).Should().BeLessThanOrEqualTo(0.01);

        cluster.SetHealth(sick, DestinationHealth.Healthy);
        Map(cluster, s_keys).Should().Equal(before);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void A_million_keys_spread_evenly(int count)
    {
        const int Keys = 1_000_000;
        var cluster = CreateCluster(Strategy, count);
        var table = TableOf(cluster);
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < Keys; i++)
        {
            var context = new PickContext(0, $"session:{i:x8}");
            string id = cluster.Pick(in context)!.Id;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        // Each key lands on a destination with probability = its share of the table (within 1% of 1/N), so a count
        // is binomial: within 5 standard deviations of Keys × share (a fixed seed and key set cannot flake; chance
        // of a 5σ excursion among 100 destinations is under 1e-4 for a fresh set of keys).
        var picker = (ConsistentHashStrategy.Picker)cluster.Snapshot.Picker;
        double mean = (double)Keys / count;
        double worstSigmas = 0;
        double worstRelative = 0;
        for (int member = 0; member < count; member++)
        {
            double share = (double)table.GetSlotCount(member) / table.Size;
            double expected = Keys * share;
            double sigma = Math.Sqrt(Keys * share * (1 - share));
            int actual = counts.GetValueOrDefault(picker.Destinations[member].Id);
            worstSigmas = Math.Max(worstSigmas, Math.Abs(actual - expected) / sigma);
            worstRelative = Math.Max(worstRelative, Math.Abs(actual - mean) / mean);
            actual.Should().BeInRange((int)(expected - (5 * sigma)), (int)(expected + (5 * sigma)));
        }

        // Against the mean: 1% for the table plus 5σ of binomial noise (1.5% at N=10, 5% at N=100 with 1M keys).
        double tolerance = 0.01 + (5 * Math.Sqrt(mean * (1 - (1.0 / count))) / mean);
        output.WriteLine($"N={count}, {Keys} keys: worst {worstSigmas:F2}σ from the table share, worst {worstRelative:P2} from the mean (tolerance {tolerance:P2})");
        worstRelative.Should().BeLessThanOrEqualTo(tolerance);
    }

    [Fact]
    public void Weights_1_2_3_take_one_two_and_three_sixths_of_the_keys()
    {
        var cluster = CreateCluster(Strategy, 3, weight: i => i + 1);
        var table = TableOf(cluster);
        var counts = Map(cluster, s_keys).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        for (int i = 0; i < 3; i++)
        {
            double ideal = (i + 1) / 6.0;
            ((double)table.GetSlotCount(i) / table.Size).Should().BeApproximately(ideal, ideal * 0.01);
            double sigma = Math.Sqrt(s_keys.Length * ideal * (1 - ideal));
            counts[$"d{i}"].Should().BeInRange((int)((s_keys.Length * ideal) - (5 * sigma)), (int)((s_keys.Length * ideal) + (5 * sigma)));
        }
    }

    [Fact]
    public void A_request_without_a_key_goes_to_a_random_available_destination_in_proportion_to_weight()
    {
        var cluster = CreateCluster(Strategy, 3, weight: i => i == 0 ? 3 : 1);
        cluster.SetHealth(State(cluster, "d2"), DestinationHealth.Unhealthy);

        var counts = Distribution(cluster, 40_000);

        counts["d2"].Should().Be(0);
        // d0 has 3/4 of the table: 30,000 expected, σ ≈ 87.
        counts["d0"].Should().BeInRange(29_500, 30_500);
        counts["d1"].Should().BeInRange(9_500, 10_500);
    }

    [Fact]
    public void Returns_null_when_no_destination_is_available()
    {
        CreateCluster(Strategy, 0).Pick(new PickContext(0, "k")).Should().BeNull();

        var cluster = CreateCluster(Strategy, 2);
        cluster.UpdateHealth(new HealthOptions { PanicThreshold = 0 }); // no panic routing: unhealthy means unavailable
        foreach (var state in cluster.Snapshot.AllDestinations)
        {
            cluster.SetHealth(state, DestinationHealth.Unhealthy);
        }

        cluster.Pick(new PickContext(0, "k")).Should().BeNull();
        cluster.Pick(default).Should().BeNull();
    }

    [Fact]
    public void The_default_table_has_65537_slots()
    {
        TableOf(CreateCluster(Strategy, 1)).Size.Should().Be(65537);
        TableOf(CreateCluster(Strategy, 10)).Size.Should().Be(65537);
    }

    [Fact]
    public void A_configured_table_size_is_raised_to_a_prime()
    {
        var cluster = CreateCluster(Strategy, 10, configure: o => o.ConsistentHash.TableSize = 2000);

        TableOf(cluster).Size.Should().Be(2003);
    }

    [Fact]
    public void A_configured_table_size_below_100_slots_per_destination_gives_way_to_the_default()
    {
        var cluster = CreateCluster(Strategy, 10, configure: o => o.ConsistentHash.TableSize = 997);

        TableOf(cluster).Size.Should().Be(65537);
    }

    [Fact]
    public void The_table_is_sized_for_every_destination_including_unavailable_ones()
    {
        // 1,009 is enough for 10 destinations but not for 11.
        var cluster = CreateCluster(Strategy, 11, configure: o => o.ConsistentHash.TableSize = 1009);
        TableOf(cluster).Size.Should().Be(65537);

        cluster.SetHealth(State(cluster, "d0"), DestinationHealth.Unhealthy);
        TableOf(cluster).Size.Should().Be(65537, "a health change must not resize the table (that would move every key)");

        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination).Where(d => d.Id != "d10"));
        TableOf(cluster).Size.Should().Be(1009, "10 destinations fit 1,009 slots");
    }

    [Fact]
    public void The_table_is_reused_while_destinations_weights_and_size_stay_the_same()
    {
        var cluster = CreateCluster(Strategy, 5);
        var table = TableOf(cluster);
        var destinations = cluster.Snapshot.AllDestinations.Select(d => d.Destination).ToArray();

        cluster.UpdateDestinations(destinations.Select(d => new Destination(d.Id, d.Address, d.Weight)));
        cluster.UpdateLoadBalancing(new LoadBalancingOptions { Strategy = Strategy, ConsistentHash = { BoundedLoadFactor = 2 } });
        TableOf(cluster).Should().BeSameAs(table);

        cluster.UpdateDestinations(destinations.Select(d => new Destination(d.Id, d.Address, d.Id == "d2" ? 2 : 1)));
        var reweighted = TableOf(cluster);
        reweighted.Should().NotBeSameAs(table);
        reweighted.GetSlotCount(2).Should().BeGreaterThan(table.GetSlotCount(2));

        cluster.SetHealth(State(cluster, "d4"), DestinationHealth.Unhealthy);
        TableOf(cluster).Should().NotBeSameAs(reweighted);

        cluster.UpdateLoadBalancing(new LoadBalancingOptions { Strategy = Strategy, ConsistentHash = { TableSize = 1009 } });
        TableOf(cluster).Size.Should().Be(1009);
    }

    [Fact]
    public void A_pick_allocates_nothing()
    {
        var cluster = CreateCluster(Strategy, 10, configure: o => o.ConsistentHash.BoundedLoadFactor = 1.25);
        SetInFlight(State(cluster, "d1"), 5);
        var keys = s_keys.Take(1000).Append(null).ToArray();
        PickAll(cluster, keys);

        long before = GC.GetAllocatedBytesForCurrentThread();
        PickAll(cluster, keys);

        GC.GetAllocatedBytesForCurrentThread().Should().Be(before);
    }

    [Fact]
    public void Bounded_load_picks_the_hashed_destination_while_it_is_under_capacity()
    {
        var plain = CreateCluster(Strategy, 10);
        var bounded = CreateCluster(Strategy, 10, configure: o => o.ConsistentHash.BoundedLoadFactor = 1.25);

        Map(bounded, s_keys).Should().Equal(Map(plain, s_keys));
    }

    [Fact]
    public void Bounded_load_never_picks_a_destination_at_capacity_and_otherwise_walks_the_key_preference_order()
    {
        const double Factor = 1.25;
        var cluster = CreateCluster(Strategy, 10, configure: o => o.ConsistentHash.BoundedLoadFactor = Factor);
        int[] loads = [0, 12, 3, 7, 0, 9, 1, 14, 2, 6];
        for (int i = 0; i < loads.Length; i++)
        {
            SetInFlight(State(cluster, $"d{i}"), loads[i]);
        }

        var picker = (ConsistentHashStrategy.Picker)cluster.Snapshot.Picker;
        var table = picker.Table!;
        int total = loads.Sum();
        double capacity = Factor * (total + 1) / 10;   // 1.25 × 55 / 10 = 6.875: loads of 7 and more are at capacity (ceil = 7)
        int diverted = 0;
        foreach (var key in s_keys.Take(20_000))
        {
            var picked = cluster.Pick(new PickContext(0, key))!;
            picked.InFlight.Should().BeLessThan((int)Math.Ceiling(capacity));
            ((double)picked.InFlight).Should().BeLessThan(capacity);

            // The expected pick: the first destination under capacity in the key's slot order.
            int slot = picker.SlotOf(key);
            while (picker.Destinations[table[slot]].InFlight >= capacity)
            {
                slot = (slot + 1) % table.Size;
            }

            picked.Should().BeSameAs(picker.Destinations[table[slot]]);
            if (slot != picker.SlotOf(key))
            {
                diverted++;
            }
        }

        // d1, d3, d5, d7 (4 of 10, each with a tenth of the table) are at capacity: about 40% of keys are diverted.
        loads.Count(l => l >= capacity).Should().Be(4);
        diverted.Should().BeInRange(7_000, 9_000);
    }

    [Fact]
    public void Bounded_load_scales_capacity_by_weight()
    {
        const double Factor = 1.5;
        var cluster = CreateCluster(Strategy, 3, weight: i => i + 1, configure: o => o.ConsistentHash.BoundedLoadFactor = Factor);
        SetInFlight(State(cluster, "d0"), 7);
        SetInFlight(State(cluster, "d1"), 6);
        SetInFlight(State(cluster, "d2"), 10);

        // T + 1 = 24; capacities ceil(1.5 × 24 × w / 6) = 6, 12, 18: d0 (7) is over its capacity, d1 (6) and d2 (10)
        // are not. Unweighted, every capacity would be 1.5 × 24 / 3 = 12 and d0 would still take requests.
        var counts = Map(cluster, s_keys.Take(10_000)).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        counts.Should().NotContainKey("d0");
        counts.Keys.Should().BeEquivalentTo(["d1", "d2"]);
    }

    [Fact]
    public void Bounded_load_keeps_every_destination_within_c_times_the_mean_plus_one_in_a_simulated_run()
    {
        const double Factor = 1.25;
        const int Count = 10;
        var cluster = CreateCluster(Strategy, Count, configure: o => o.ConsistentHash.BoundedLoadFactor = Factor);
        var random = new Random(2024);
        var held = new List<DestinationState>();
        int worstExcess = int.MinValue;
        var hotCounts = new Dictionary<string, int>();

        for (int step = 0; step < 30_000; step++)
        {
            // Hold about 300 requests: finish one at random more often the more are held.
            if (held.Count > 0 && random.Next(600) < held.Count)
            {
                int i = random.Next(held.Count);
                held[i].EndRequest(0, 1, RequestOutcome.Success);
                held[i] = held[^1];
                held.RemoveAt(held.Count - 1);
                continue;
            }

            // A third of the requests share one hot key; the rest come from 1,000 keys.
            bool hot = random.Next(3) == 0;
            string key = hot ? "hot" : s_keys[random.Next(1000)];
            var picked = cluster.Pick(new PickContext(0, key))!;
            picked.BeginRequest();
            held.Add(picked);
            if (hot)
            {
                hotCounts[picked.Id] = hotCounts.GetValueOrDefault(picked.Id) + 1;
            }

            int total = cluster.Snapshot.AvailableDestinations.Sum(d => d.InFlight);
            double bound = (Factor * total / Count) + 1;
            ((double)picked.InFlight).Should().BeLessThanOrEqualTo(bound, $"step {step}: {picked.Id} took a request");
            worstExcess = Math.Max(worstExcess, picked.InFlight - (int)Math.Ceiling(Factor * total / Count));
        }

        output.WriteLine($"hot key went to {hotCounts.Count} destinations: {string.Join(", ", hotCounts.OrderByDescending(p => p.Value).Select(p => $"{p.Key}={p.Value}"))}; " +
            $"worst in-flight after a pick minus ceil(c × mean): {worstExcess}");
        hotCounts.Count.Should().BeGreaterThan(1, "the hot key's destination fills up and the overflow goes to the next in its order");
        held.ForEach(d => d.EndRequest(0, 1, RequestOutcome.Success));
    }

    [Fact]
    public void Picks_stay_on_available_destinations_while_destinations_come_and_go()
    {
        var cluster = CreateCluster(Strategy, 10, random: Random.Shared, configure: o =>
        {
            o.ConsistentHash.TableSize = 1009;
            o.ConsistentHash.BoundedLoadFactor = 1.5;
        });

        var result = ConcurrentChurn.Run(
            cluster,
            pickers: 3,
            changes: 60,
            change: ConcurrentChurn.AddAndRemove(10, seed: 7),
            key: (thread, n) => n % 10 == 0 ? null : s_keys[(int)(((long)n * 7919 + thread) % s_keys.Length)],
            holdInFlight: true);

        output.WriteLine($"{result.Picks} picks during {result.Changes} changes");
        result.Problems.Should().BeEmpty();
        result.Picks.Should().BeGreaterThan(result.Changes);
    }

    private static string[] Map(Cluster cluster, IEnumerable<string> keys) =>
        keys.Select(key => cluster.Pick(new PickContext(0, key))!.Id).ToArray();

    private static void PickAll(Cluster cluster, string?[] keys)
    {
        foreach (var key in keys)
        {
            var context = new PickContext(0, key);
            cluster.Pick(in context);
        }
    }

    private static MaglevTable TableOf(Cluster cluster) => ((ConsistentHashStrategy.Picker)cluster.Snapshot.Picker).Table!;
}
