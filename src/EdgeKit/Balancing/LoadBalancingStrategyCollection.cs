using System.Collections.Frozen;
using EdgeKit.Configuration;

namespace EdgeKit.Balancing;

/// <summary>An immutable set of load-balancing strategies, found by name (case-insensitive).</summary>
public sealed class LoadBalancingStrategyCollection
{
    private readonly FrozenDictionary<string, ILoadBalancingStrategy> _byName;

    /// <summary>The built-in strategies (see <see cref="LoadBalancingStrategyNames"/>).</summary>
    public static LoadBalancingStrategyCollection BuiltIn { get; } = new(CreateBuiltIn());

    /// <summary>Creates a collection.</summary>
    /// <param name="strategies">The strategies; each name must be unique (case-insensitive).</param>
    /// <exception cref="ArgumentException">A name is empty, or two strategies share a name.</exception>
    public LoadBalancingStrategyCollection(IEnumerable<ILoadBalancingStrategy> strategies)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        var byName = new Dictionary<string, ILoadBalancingStrategy>(StringComparer.OrdinalIgnoreCase);
        foreach (var strategy in strategies)
        {
            ArgumentNullException.ThrowIfNull(strategy, nameof(strategies));
            if (string.IsNullOrWhiteSpace(strategy.Name))
            {
                throw new ArgumentException($"The load-balancing strategy {strategy.GetType().FullName} has an empty name.", nameof(strategies));
            }

            if (byName.TryGetValue(strategy.Name, out var existing))
            {
                if (existing.GetType() == strategy.GetType())
                {
                    continue;
                }

                throw new ArgumentException(
                    $"Two load-balancing strategies are named '{strategy.Name}': {existing.GetType().FullName} and {strategy.GetType().FullName}. Strategy names must be unique.",
                    nameof(strategies));
            }

            byName.Add(strategy.Name, strategy);
        }

        _byName = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The names of every strategy, sorted.</summary>
    public IReadOnlyList<string> Names => _byName.Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>Finds a strategy by name.</summary>
    /// <param name="name">The strategy's name.</param>
    /// <param name="strategy">The strategy, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ILoadBalancingStrategy? strategy)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out strategy);
    }

    /// <summary>Finds a strategy by name.</summary>
    /// <param name="name">The strategy's name.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentException">No strategy has that name; the message lists those that exist.</exception>
    public ILoadBalancingStrategy Get(string name) =>
        TryGet(name, out var strategy) ? strategy : throw new ArgumentException(UnknownStrategyMessage(name), nameof(name));

    /// <summary>Returns a new collection holding these strategies and <paramref name="additional"/> ones.</summary>
    /// <param name="additional">Strategies to add; a name already taken by another type throws.</param>
    /// <returns>The new collection.</returns>
    public LoadBalancingStrategyCollection With(params ILoadBalancingStrategy[] additional) =>
        new(_byName.Values.Concat(additional));

    internal string UnknownStrategyMessage(string? name) =>
        $"unknown load-balancing strategy '{name}'. Known strategies: {string.Join(", ", Names)}.";

    internal static IEnumerable<ILoadBalancingStrategy> CreateBuiltIn() =>
    [
        new RoundRobinStrategy(),
        new WeightedRoundRobinStrategy(),
        new RandomStrategy(),
        new WeightedRandomStrategy(),
        new LeastRequestsStrategy(),
        new PowerOfTwoChoicesStrategy(),
        new PeakEwmaStrategy(),
        new ConsistentHashStrategy(),
        new SessionAffinityStrategy(),
    ];
}
