using EdgeKit.Balancing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.Destinations;

/// <summary>
/// What a <see cref="Cluster"/> takes from its surroundings: a clock, a random source, the strategies it
/// can name, and a logger factory. Inject fakes here to test timing and randomness deterministically.
/// </summary>
public sealed class ClusterEnvironment
{
    /// <summary>The system clock, <see cref="System.Random.Shared"/>, the built-in strategies and no logging.</summary>
    public static ClusterEnvironment Default { get; } = new();

    /// <summary>Creates an environment.</summary>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="random">
    /// The random source; default <see cref="System.Random.Shared"/>. It is called concurrently when requests
    /// run in parallel, so a seeded <see cref="System.Random"/> (which is not thread-safe) suits single-threaded tests only.
    /// </param>
    /// <param name="strategies">The strategies clusters may name; default <see cref="LoadBalancingStrategyCollection.BuiltIn"/>.</param>
    /// <param name="loggerFactory">Where logs go; default none.</param>
    public ClusterEnvironment(
        TimeProvider? timeProvider = null,
        Random? random = null,
        LoadBalancingStrategyCollection? strategies = null,
        ILoggerFactory? loggerFactory = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        Random = random ?? Random.Shared;
        Strategies = strategies ?? LoadBalancingStrategyCollection.BuiltIn;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// Makes each cluster's health and checks health settings; <see langword="null"/> (the default) is
    /// <see cref="ClusterHealthFactories.Default"/>. <c>AddEdgeKit()</c> sets the one it registers.
    /// </summary>
    internal IClusterHealthFactory HealthFactory
    {
        get => _healthFactory ?? ClusterHealthFactories.Default;
        init => _healthFactory = value;
    }

    private readonly IClusterHealthFactory? _healthFactory;

    /// <summary>The random source.</summary>
    public Random Random { get; }

    /// <summary>The strategies clusters may name.</summary>
    public LoadBalancingStrategyCollection Strategies { get; }

    /// <summary>Where logs go.</summary>
    public ILoggerFactory LoggerFactory { get; }
}
