using EdgeKit.Balancing;
using EdgeKit.Destinations;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using EdgeKit.Configuration;
using static EdgeKit.Tests.Balancing.StrategyTestHelpers;

namespace EdgeKit.Tests.Balancing;

public class SessionAffinityStrategyTests(ITestOutputHelper output)
{
    private const string Strategy = LoadBalancingStrategyNames.SessionAffinity;

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Is_a_built_in_strategy()
    {
        LoadBalancingStrategyCollection.BuiltIn.Get(Strategy).Should().BeOfType<SessionAffinityStrategy>();
        var picker = (SessionAffinityStrategy.Picker)Create(3).Snapshot.Picker;
        picker.FallbackStrategy.Name.Should().Be(LoadBalancingStrategyNames.RoundRobin);
    }

    [Fact]
    public void The_default_fallback_is_power_of_two_choices()
    {
        var cluster = CreateCluster(Strategy, 3);

        ((SessionAffinityStrategy.Picker)cluster.Snapshot.Picker).FallbackStrategy.Should().BeOfType<PowerOfTwoChoicesStrategy>();
    }

    [Fact]
    public void A_key_keeps_its_destination()
    {
        var cluster = CreateCluster(Strategy, 10, time: _time);
        var keys = Enumerable.Range(0, 1000).Select(i => $"session-{i}").ToArray();
        var first = keys.Select(key => Pick(cluster, key).Id).ToArray();

        for (int round = 0; round < 5; round++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            keys.Select(key => Pick(cluster, key).Id).Should().Equal(first);
        }

        first.Distinct().Should().HaveCount(10, "new keys are spread by the fallback");
        TableOf(cluster).Count.Should().Be(1000);
    }

    [Fact]
    public void New_keys_are_placed_by_the_fallback_strategy()
    {
        var cluster = Create(3);
        var ids = new[] { "a", "b", "c", "d", "e", "f" }.Select(key => Pick(cluster, key).Id).ToArray();

        // Round robin: consecutive destinations, whatever the start.
        int start = int.Parse(ids[0][1..], System.Globalization.CultureInfo.InvariantCulture);
        ids.Should().Equal(Enumerable.Range(0, 6).Select(i => $"d{(start + i) % 3}"));
    }

    [Fact]
    public void A_request_without_a_key_uses_the_fallback_and_binds_nothing()
    {
        var cluster = Create(3);
        var ids = Enumerable.Range(0, 6).Select(_ => Pick(cluster, null).Id).ToArray();

        int start = int.Parse(ids[0][1..], System.Globalization.CultureInfo.InvariantCulture);
        ids.Should().Equal(Enumerable.Range(0, 6).Select(i => $"d{(start + i) % 3}"));
        TableOf(cluster).Count.Should().Be(0);
    }

    [Fact]
    public void Keys_are_case_sensitive()
    {
        var cluster = Create(3);
        var lower = Pick(cluster, "abc");
        var upper = Pick(cluster, "ABC");

        upper.Should().NotBeSameAs(lower, "round robin placed the second key on the next destination");
        TableOf(cluster).Count.Should().Be(2);
    }

    [Fact]
    public void A_key_whose_destination_leaves_is_rebound_to_an_available_destination_and_stays_there()
    {
        var cluster = Create(3, fallback: LoadBalancingStrategyNames.PowerOfTwoChoices);
        var old = Pick(cluster, "k");

        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination).Where(d => d.Id != old.Id));
        var moved = Pick(cluster, "k");

        moved.Id.Should().NotBe(old.Id);
        cluster.Snapshot.AvailableDestinations.Should().Contain(moved);
        BoundId(cluster, "k").Should().Be(moved.Id);
        Enumerable.Range(0, 20).Select(_ => Pick(cluster, "k")).Should().AllSatisfy(d => d.Should().BeSameAs(moved));

        // The old destination returns: the key stays where it was re-bound.
        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination).Append(old.Destination));
        Pick(cluster, "k").Should().BeSameAs(moved);
    }

    [Fact]
    public void A_key_whose_destination_turns_unhealthy_moves_and_does_not_go_back_when_it_recovers()
    {
        var cluster = Create(3);
        var old = Pick(cluster, "k");

        cluster.SetHealth(old, DestinationHealth.Unhealthy).Should().BeTrue();
        var moved = Pick(cluster, "k");
        moved.Should().NotBeSameAs(old);
        cluster.Snapshot.AvailableDestinations.Should().Contain(moved);
        Pick(cluster, "k").Should().BeSameAs(moved);

        cluster.SetHealth(old, DestinationHealth.Healthy).Should().BeTrue();
        Enumerable.Range(0, 10).Select(_ => Pick(cluster, "k")).Should().AllSatisfy(d => d.Should().BeSameAs(moved));
        BoundId(cluster, "k").Should().Be(moved.Id);
    }

    [Fact]
    public void A_destination_that_leaves_and_returns_before_its_keys_come_back_keeps_them()
    {
        var cluster = Create(3);
        var old = Pick(cluster, "k");
        var all = cluster.Snapshot.AllDestinations.Select(d => d.Destination).ToArray();

        cluster.UpdateDestinations(all.Where(d => d.Id != old.Id));
        cluster.UpdateDestinations(all);

        Pick(cluster, "k").Id.Should().Be(old.Id, "bindings are by destination id");
    }

    [Fact]
    public void Bindings_survive_snapshot_swaps()
    {
        var cluster = Create(5);
        var keys = Enumerable.Range(0, 50).Select(i => $"user-{i}").ToArray();
        var first = keys.Select(key => Pick(cluster, key).Id).ToArray();
        var table = TableOf(cluster);

        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination).ToArray());
        cluster.SetHealth(State(cluster, "d0"), DestinationHealth.Healthy);
        cluster.UpdateLoadBalancing(new LoadBalancingOptions
        {
            Strategy = Strategy,
            SessionAffinity = { FallbackStrategy = LoadBalancingStrategyNames.Random, MaxKeys = 1000 },
        });

        TableOf(cluster).Should().BeSameAs(table);
        keys.Select(key => Pick(cluster, key).Id).Should().Equal(first);
    }

    [Fact]
    public void Changing_to_another_strategy_and_back_forgets_the_bindings()
    {
        var cluster = Create(3);
        Pick(cluster, "k");

        cluster.UpdateLoadBalancing(new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.Random });
        cluster.UpdateLoadBalancing(new LoadBalancingOptions { Strategy = Strategy });

        TableOf(cluster).Count.Should().Be(0);
    }

    [Fact]
    public void The_fallback_picker_carries_its_state_across_snapshot_swaps()
    {
        var cluster = Create(3);
        var before = Pick(cluster, null).Id;

        cluster.UpdateDestinations(cluster.Snapshot.AllDestinations.Select(d => d.Destination).ToArray());

        int next = (int.Parse(before[1..], System.Globalization.CultureInfo.InvariantCulture) + 1) % 3;
        Pick(cluster, null).Id.Should().Be($"d{next}", "the round robin fallback continues its sequence");
    }

    [Fact]
    public void A_consistent_hash_fallback_places_new_keys_where_consistent_hashing_would()
    {
        var cluster = Create(10, fallback: LoadBalancingStrategyNames.ConsistentHash);
        var hashed = CreateCluster(LoadBalancingStrategyNames.ConsistentHash, 10);
        var keys = Enumerable.Range(0, 500).Select(i => $"user-{i}").ToArray();

        keys.Select(key => Pick(cluster, key).Id).Should().Equal(keys.Select(key => hashed.Pick(new PickContext(0, key))!.Id));
    }

    [Fact]
    public void A_key_idle_longer_than_the_idle_timeout_is_placed_afresh()
    {
        var cluster = Create(3, o => o.SessionAffinity.IdleTimeout = TimeSpan.FromMinutes(10));
        var first = Pick(cluster, "k");

        _time.Advance(TimeSpan.FromMinutes(9));
        Pick(cluster, "k").Should().BeSameAs(first);
        _time.Advance(TimeSpan.FromMinutes(9));
        Pick(cluster, "k").Should().BeSameAs(first, "each use restarts the idle time");
        _time.Advance(TimeSpan.FromMinutes(10));
        Pick(cluster, "k").Should().BeSameAs(first, "idle exactly the timeout is not longer than it");

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var fresh = Pick(cluster, "k");

        fresh.Should().NotBeSameAs(first, "the round robin fallback placed it on the next destination");
        BoundId(cluster, "k").Should().Be(fresh.Id);
        TableOf(cluster).Count.Should().Be(1);
        Pick(cluster, "k").Should().BeSameAs(fresh);
    }

    [Fact]
    public void Idle_keys_are_evicted_before_keys_in_use()
    {
        var cluster = Create(3, o =>
        {
            o.SessionAffinity.IdleTimeout = TimeSpan.FromMinutes(10);
            o.SessionAffinity.MaxKeys = 3;
        });
        Pick(cluster, "a");
        Pick(cluster, "b");
        _time.Advance(TimeSpan.FromMinutes(5));
        Pick(cluster, "c");
        _time.Advance(TimeSpan.FromMinutes(6));

        // a and b are idle past the timeout; b comes back (and is placed afresh), a does not.
        Pick(cluster, "b");
        Pick(cluster, "d");

        Bound(cluster).Should().BeEquivalentTo(["b", "c", "d"]);
    }

    [Fact]
    public void Past_the_cap_the_longest_idle_keys_are_evicted()
    {
        var cluster = Create(3, o => o.SessionAffinity.MaxKeys = 3);
        foreach (var key in new[] { "a", "b", "c" })
        {
            Pick(cluster, key);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Pick(cluster, "a");   // a is now the most recently used
        _time.Advance(TimeSpan.FromSeconds(10));
        Pick(cluster, "d");

        Bound(cluster).Should().BeEquivalentTo(["a", "c", "d"], "b was idle the longest");

        _time.Advance(TimeSpan.FromSeconds(10));
        Pick(cluster, "e");
        Bound(cluster).Should().BeEquivalentTo(["a", "d", "e"], "then c was");
    }

    [Fact]
    public void The_cap_holds_however_many_keys_arrive_and_an_evicted_key_is_placed_afresh()
    {
        var cluster = Create(3, o => o.SessionAffinity.MaxKeys = 100);
        var table = TableOf(cluster);
        int largest = 0;
        for (int i = 0; i < 3_000; i++)
        {
            Pick(cluster, $"key-{i}");
            _time.Advance(TimeSpan.FromMilliseconds(1));
            largest = Math.Max(largest, table.Count);
        }

        largest.Should().Be(100);

        Bound(cluster).Should().BeEquivalentTo(Enumerable.Range(2_900, 100).Select(i => $"key-{i}"));
        Pick(cluster, "key-0");
        BoundId(cluster, "key-0").Should().NotBeNull();
        table.Count.Should().Be(100);
    }

    [Fact]
    public void A_lower_cap_is_reached_as_new_keys_arrive()
    {
        var cluster = Create(3, o => o.SessionAffinity.MaxKeys = 1000);
        for (int i = 0; i < 1000; i++)
        {
            Pick(cluster, $"key-{i}");
        }

        cluster.UpdateLoadBalancing(new LoadBalancingOptions
        {
            Strategy = Strategy,
            SessionAffinity = { FallbackStrategy = LoadBalancingStrategyNames.RoundRobin, MaxKeys = 10 },
        });
        int arrivals = 0;
        while (TableOf(cluster).Count > 10)
        {
            Pick(cluster, $"new-{arrivals++}");
        }

        // Each arrival adds itself and removes up to 16 (its budget).
        arrivals.Should().Be((int)Math.Ceiling(990.0 / (SessionAffinityTable.EvictBudget - 1)));
    }

    [Fact]
    public void Returns_null_when_no_destination_is_available_and_keeps_the_binding()
    {
        var cluster = Create(2);
        cluster.UpdateHealth(new HealthOptions { PanicThreshold = 0 }); // no panic routing: unhealthy means unavailable
        var bound = Pick(cluster, "k");
        foreach (var state in cluster.Snapshot.AllDestinations)
        {
            cluster.SetHealth(state, DestinationHealth.Unhealthy);
        }

        cluster.Pick(new PickContext(_time.GetTimestamp(), "k")).Should().BeNull();
        cluster.Pick(new PickContext(_time.GetTimestamp(), "new")).Should().BeNull();
        cluster.Pick(new PickContext(_time.GetTimestamp())).Should().BeNull();
        BoundId(cluster, "k").Should().Be(bound.Id);
        BoundId(cluster, "new").Should().BeNull();
    }

    [Fact]
    public void A_bound_key_pick_allocates_nothing()
    {
        var cluster = Create(5);
        var keys = Enumerable.Range(0, 100).Select(i => $"user-{i}").ToArray();
        long now = _time.GetTimestamp();
        foreach (var key in keys)
        {
            var context = new PickContext(now, key);
            cluster.Pick(in context);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
        {
            foreach (var key in keys)
            {
                var context = new PickContext(now + round, key);
                cluster.Pick(in context);
            }
        }

        GC.GetAllocatedBytesForCurrentThread().Should().Be(before);
    }

    [Fact]
    public void A_huge_idle_timeout_does_not_overflow()
    {
        SessionAffinityStrategy.ToTimestampTicks(TimeSpan.MaxValue, TimeProvider.System.TimestampFrequency).Should().Be(long.MaxValue / 4);
        SessionAffinityStrategy.ToTimestampTicks(TimeSpan.FromSeconds(1), 1_000_000_000).Should().Be(1_000_000_000);
        SessionAffinityStrategy.ToTimestampTicks(TimeSpan.FromTicks(1), 1000).Should().Be(1, "rounded up");

        var cluster = Create(2, o => o.SessionAffinity.IdleTimeout = TimeSpan.MaxValue);
        var first = Pick(cluster, "k");
        _time.Advance(TimeSpan.FromDays(10_000));
        Pick(cluster, "k").Should().BeSameAs(first);
    }

    [Fact]
    public void Picks_stay_on_available_destinations_while_destinations_come_and_go()
    {
        const int MaxKeys = 200;
        const int Pickers = 3;
        var cluster = CreateCluster(Strategy, 10, random: Random.Shared, configure: o => o.SessionAffinity.MaxKeys = MaxKeys);

        var result = ConcurrentChurn.Run(
            cluster,
            Pickers,
            changes: 200,
            change: ConcurrentChurn.AddAndRemove(10, seed: 11),
            key: (thread, n) => n % 10 == 0 ? null : $"user-{((long)n * 31 + thread) % 500}");

        output.WriteLine($"{result.Picks} picks during {result.Changes} changes; {TableOf(cluster).Count} keys bound at the end");
        result.Problems.Should().BeEmpty();
        result.Picks.Should().BeGreaterThan(result.Changes);
        TableOf(cluster).Count.Should().BeLessThanOrEqualTo(MaxKeys + Pickers);
    }

    private Cluster Create(int count, Action<LoadBalancingOptions>? configure = null, string fallback = LoadBalancingStrategyNames.RoundRobin) =>
        CreateCluster(Strategy, count, time: _time, configure: o =>
        {
            o.SessionAffinity.FallbackStrategy = fallback;
            configure?.Invoke(o);
        });

    private DestinationState Pick(Cluster cluster, string? key)
    {
        var context = new PickContext(_time.GetTimestamp(), key);
        var picked = cluster.Pick(in context);
        picked.Should().NotBeNull();
        return picked!;
    }

    private static SessionAffinityTable TableOf(Cluster cluster) => ((SessionAffinityStrategy.Picker)cluster.Snapshot.Picker).Table;

    private static string? BoundId(Cluster cluster, string key) => TableOf(cluster).TryGet(key, out var binding) ? binding.DestinationId : null;

    private static IEnumerable<string> Bound(Cluster cluster) => TableOf(cluster).Keys;
}
