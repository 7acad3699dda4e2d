using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Tests.Balancing;

public class LoadBalancingOptionsValidatorTests
{
    private const string Known = "ConsistentHash, LeastRequests, PeakEwma, PowerOfTwoChoices, Random, RoundRobin, SessionAffinity, WeightedRandom, WeightedRoundRobin";

    public static TheoryData<string, Action<LoadBalancingOptions>, string> BadOptions => new()
    {
        { "empty strategy", o => o.Strategy = " ", $"p: LoadBalancing.Strategy is empty. Known strategies: {Known}." },
        { "unknown strategy", o => o.Strategy = "Nope", $"p: LoadBalancing.Strategy is an unknown load-balancing strategy 'Nope'. Known strategies: {Known}." },
        { "zero latency decay", o => o.LatencyDecay = TimeSpan.Zero, "p: LoadBalancing.LatencyDecay must be positive, was 00:00:00." },
        { "negative latency decay", o => o.LatencyDecay = TimeSpan.FromSeconds(-1), "p: LoadBalancing.LatencyDecay must be positive, was -00:00:01." },
        { "zero table size", o => Hash(o).ConsistentHash.TableSize = 0, "p: LoadBalancing.ConsistentHash.TableSize must be between 1 and 16777259, was 0." },
        { "negative table size", o => Hash(o).ConsistentHash.TableSize = -5, "p: LoadBalancing.ConsistentHash.TableSize must be between 1 and 16777259, was -5." },
        { "table size too large", o => Hash(o).ConsistentHash.TableSize = ConsistentHashOptions.MaxTableSize + 1, "p: LoadBalancing.ConsistentHash.TableSize must be between 1 and 16777259, was 16777260." },
        { "bounded load factor of 1", o => Hash(o).ConsistentHash.BoundedLoadFactor = 1, "p: LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was 1." },
        { "negative bounded load factor", o => Hash(o).ConsistentHash.BoundedLoadFactor = -2, $"p: LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was {-2.0}." },
        { "NaN bounded load factor", o => Hash(o).ConsistentHash.BoundedLoadFactor = double.NaN, $"p: LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was {double.NaN}." },
        { "infinite bounded load factor", o => Hash(o).ConsistentHash.BoundedLoadFactor = double.PositiveInfinity, $"p: LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was {double.PositiveInfinity}." },
        { "empty fallback", o => Affinity(o).SessionAffinity.FallbackStrategy = "", "p: LoadBalancing.SessionAffinity.FallbackStrategy is empty." },
        { "affinity as its own fallback", o => Affinity(o).SessionAffinity.FallbackStrategy = "sessionAffinity", "p: LoadBalancing.SessionAffinity.FallbackStrategy cannot be SessionAffinity itself." },
        { "unknown fallback", o => Affinity(o).SessionAffinity.FallbackStrategy = "Sticky", $"p: LoadBalancing.SessionAffinity.FallbackStrategy is an unknown load-balancing strategy 'Sticky'. Known strategies: {Known}." },
        { "zero idle timeout", o => Affinity(o).SessionAffinity.IdleTimeout = TimeSpan.Zero, "p: LoadBalancing.SessionAffinity.IdleTimeout must be positive, was 00:00:00." },
        { "negative idle timeout", o => Affinity(o).SessionAffinity.IdleTimeout = TimeSpan.FromMinutes(-1), "p: LoadBalancing.SessionAffinity.IdleTimeout must be positive, was -00:01:00." },
        { "zero max keys", o => Affinity(o).SessionAffinity.MaxKeys = 0, "p: LoadBalancing.SessionAffinity.MaxKeys must be at least 1, was 0." },
        { "negative max keys", o => Affinity(o).SessionAffinity.MaxKeys = -1, "p: LoadBalancing.SessionAffinity.MaxKeys must be at least 1, was -1." },
        { "blank key header", o => o.RequestKey.Header = " ", "p: LoadBalancing.RequestKey.Header is blank; remove it or name a header." },
        { "blank key cookie", o => o.RequestKey.Cookie = "", "p: LoadBalancing.RequestKey.Cookie is blank; remove it or name a cookie." },
    };

    private static LoadBalancingOptions Hash(LoadBalancingOptions options)
    {
        options.Strategy = LoadBalancingStrategyNames.ConsistentHash;
        return options;
    }

    private static LoadBalancingOptions Affinity(LoadBalancingOptions options)
    {
        options.Strategy = LoadBalancingStrategyNames.SessionAffinity;
        return options;
    }

    [Fact]
    public void Default_options_are_valid()
    {
        Validate(new LoadBalancingOptions()).Should().BeEmpty();
    }

    [Fact]
    public void Consistent_hash_and_session_affinity_settings_at_their_limits_are_valid()
    {
        var options = new LoadBalancingOptions
        {
            Strategy = LoadBalancingStrategyNames.SessionAffinity,
            ConsistentHash = { TableSize = 1, BoundedLoadFactor = 1.0001 },
            SessionAffinity = { FallbackStrategy = "consistenthash", IdleTimeout = TimeSpan.FromTicks(1), MaxKeys = 1 },
        };

        Validate(options).Should().BeEmpty();
        options.ConsistentHash.TableSize = ConsistentHashOptions.MaxTableSize;
        Validate(options).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Each_bad_setting_is_reported_with_its_message(string because, Action<LoadBalancingOptions> breakIt, string expected)
    {
        var options = new LoadBalancingOptions();
        breakIt(options);

        Validate(options).Should().Equal([expected], because);
    }

    [Fact]
    public void A_cluster_with_bad_settings_throws_one_exception_listing_every_problem()
    {
        var options = new LoadBalancingOptions
        {
            Strategy = LoadBalancingStrategyNames.SessionAffinity,
            LatencyDecay = TimeSpan.Zero,
            ConsistentHash = { TableSize = 0, BoundedLoadFactor = 0.5 },
            SessionAffinity = { FallbackStrategy = LoadBalancingStrategyNames.ConsistentHash, IdleTimeout = TimeSpan.Zero, MaxKeys = 0 },
        };
        string[] expected =
        [
            "Cluster 'orders': LoadBalancing.LatencyDecay must be positive, was 00:00:00.",
            "Cluster 'orders': LoadBalancing.ConsistentHash.TableSize must be between 1 and 16777259, was 0.",
            $"Cluster 'orders': LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was {0.5}.",
            "Cluster 'orders': LoadBalancing.SessionAffinity.IdleTimeout must be positive, was 00:00:00.",
            "Cluster 'orders': LoadBalancing.SessionAffinity.MaxKeys must be at least 1, was 0.",
        ];

        var thrown = FluentActions.Invoking(() => new Cluster("orders", loadBalancing: options)).Should().Throw<ArgumentException>().Which;

        thrown.ParamName.Should().Be("options");
        thrown.Message.Should().Be(new ArgumentException(string.Join(Environment.NewLine, expected), "options").Message);
    }

    [Fact]
    public void Updating_a_cluster_with_bad_settings_throws_and_keeps_the_old_ones()
    {
        var cluster = new Cluster("orders", loadBalancing: new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.ConsistentHash });
        var snapshot = cluster.Snapshot;

        FluentActions.Invoking(() => cluster.UpdateLoadBalancing(new LoadBalancingOptions
        {
            Strategy = LoadBalancingStrategyNames.ConsistentHash,
            ConsistentHash = { BoundedLoadFactor = 1 },
        })).Should().Throw<ArgumentException>()
            .WithMessage("Cluster 'orders': LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was 1.*");

        cluster.Snapshot.Should().BeSameAs(snapshot);
    }

    [Fact]
    public void The_settings_of_a_strategy_the_cluster_does_not_name_are_not_checked()
    {
        var options = new LoadBalancingOptions
        {
            Strategy = LoadBalancingStrategyNames.RoundRobin,
            ConsistentHash = { TableSize = 0 },
            SessionAffinity = { MaxKeys = 0 },
        };

        Validate(options).Should().BeEmpty("RoundRobin reads neither section");
    }

    private static List<string> Validate(LoadBalancingOptions options)
    {
        var errors = new List<string>();
        LoadBalancingOptionsValidator.Validate(options, "p", LoadBalancingStrategyCollection.BuiltIn, errors);
        return errors;
    }
}
