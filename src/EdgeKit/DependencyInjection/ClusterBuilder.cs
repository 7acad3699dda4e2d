using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.DependencyInjection;

/// <summary>
/// Describes one cluster in code. Every call records a change to the cluster's <see cref="ClusterOptions"/>,
/// applied after configuration binding, so code and configuration reach the same model and are validated together at start.
/// </summary>
public sealed class ClusterBuilder
{
    private readonly List<Action<ClusterOptions>> _actions = [];

    internal ClusterBuilder(string name) => Name = name;

    /// <summary>The cluster's name.</summary>
    public string Name { get; }

    internal void Apply(ClusterOptions options)
    {
        foreach (var action in _actions)
        {
            action(options);
        }
    }

    /// <summary>Changes the cluster's options directly.</summary>
    /// <param name="configure">The change.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder Configure(Action<ClusterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _actions.Add(configure);
        return this;
    }

    /// <summary>Adds a destination. Its address is checked with the rest of the configuration at start.</summary>
    /// <param name="address">An absolute http(s) address, e.g. <c>http://10.0.0.11:8080</c>.</param>
    /// <param name="weight">Its relative share of traffic (1 to 10,000); default 1.</param>
    /// <param name="id">Its id; default the address itself.</param>
    /// <param name="metadata">Free-form metadata such as <c>zone</c>.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder AddDestination(string address, int weight = Destination.DefaultWeight, string? id = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Configure(o => o.Destinations[id ?? address] = new DestinationOptions
        {
            Address = address,
            Weight = weight,
            Metadata = metadata is null
                ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase),
        });
    }

    /// <summary>Adds destinations of weight 1 whose ids are their addresses.</summary>
    /// <param name="addresses">Absolute http(s) addresses.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder AddDestinations(params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var address in addresses)
        {
            AddDestination(address);
        }

        return this;
    }

    /// <summary>Resolves destinations through Microsoft.Extensions.ServiceDiscovery.</summary>
    /// <param name="serviceName">The service, e.g. <c>https+http://orders</c>.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseServiceDiscovery(string serviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        return Configure(o => o.ServiceName = serviceName);
    }

    /// <summary>Selects a strategy by name (built-in or registered).</summary>
    /// <param name="strategyName">See <see cref="LoadBalancingStrategyNames"/>.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseStrategy(string strategyName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(strategyName);
        return Configure(o => o.LoadBalancing.Strategy = strategyName);
    }

    /// <summary>Each destination in turn.</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseRoundRobin() => UseStrategy(LoadBalancingStrategyNames.RoundRobin);

    /// <summary>Smooth weighted round robin (nginx).</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseWeightedRoundRobin() => UseStrategy(LoadBalancingStrategyNames.WeightedRoundRobin);

    /// <summary>Uniformly random.</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseRandom() => UseStrategy(LoadBalancingStrategyNames.Random);

    /// <summary>Random, proportional to weight.</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseWeightedRandom() => UseStrategy(LoadBalancingStrategyNames.WeightedRandom);

    /// <summary>Fewest in-flight requests per unit of weight, by full scan.</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseLeastRequests() => UseStrategy(LoadBalancingStrategyNames.LeastRequests);

    /// <summary>The less loaded of two random destinations (Envoy's least_request).</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder UsePowerOfTwoChoices() => UseStrategy(LoadBalancingStrategyNames.PowerOfTwoChoices);

    /// <summary>The lower latency EWMA × (in-flight + 1) of two random destinations (Finagle/Linkerd).</summary>
    /// <param name="decay">The EWMA's time constant; default 10 s.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder UsePeakEwma(TimeSpan? decay = null)
    {
        UseStrategy(LoadBalancingStrategyNames.PeakEwma);
        return decay is { } value ? Configure(o => o.LoadBalancing.LatencyDecay = value) : this;
    }

    /// <summary>Consistent hashing of the request key through a Maglev table.</summary>
    /// <param name="configure">Table size and bounded-load factor.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseConsistentHashing(Action<ConsistentHashOptions>? configure = null)
    {
        UseStrategy(LoadBalancingStrategyNames.ConsistentHash);
        return configure is null ? this : Configure(o => configure(o.LoadBalancing.ConsistentHash));
    }

    /// <summary>Session affinity on the request key.</summary>
    /// <param name="configure">Fallback strategy, idle timeout and key cap.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder UseSessionAffinity(Action<SessionAffinityOptions>? configure = null)
    {
        UseStrategy(LoadBalancingStrategyNames.SessionAffinity);
        return configure is null ? this : Configure(o => configure(o.LoadBalancing.SessionAffinity));
    }

    /// <summary>Reads the request key from a header.</summary>
    /// <param name="headerName">The header, e.g. <c>X-User-Id</c>.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithRequestKeyFromHeader(string headerName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        return Configure(o => o.LoadBalancing.RequestKey.Header = headerName);
    }

    /// <summary>Reads the request key from a cookie.</summary>
    /// <param name="cookieName">The cookie, e.g. <c>session</c>.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithRequestKeyFromCookie(string cookieName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cookieName);
        return Configure(o => o.LoadBalancing.RequestKey.Cookie = cookieName);
    }

    /// <summary>Changes the cluster's health settings (probes, outlier detection, panic threshold, slow start).</summary>
    /// <param name="configure">The change.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder ConfigureHealth(Action<HealthOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Configure(o => configure(o.Health));
    }

    /// <summary>Probes every destination with a GET of <paramref name="path"/> (defaults: every 2 s, rise 2, fall 3).</summary>
    /// <param name="path">The path probed, e.g. <c>/healthz</c>.</param>
    /// <param name="configure">Interval, timeout, statuses and thresholds.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithActiveHealthChecks(string path = "/healthz", Action<ActiveHealthCheckOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return ConfigureHealth(h =>
        {
            h.Active.Enabled = true;
            h.Active.Path = path;
            configure?.Invoke(h.Active);
        });
    }

    /// <summary>Changes outlier detection (on by default with Envoy's defaults).</summary>
    /// <param name="configure">The change.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithOutlierDetection(Action<OutlierDetectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return ConfigureHealth(h => configure(h.OutlierDetection));
    }

    /// <summary>Turns outlier detection off: failing destinations are never ejected.</summary>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithoutOutlierDetection() => ConfigureHealth(h => h.OutlierDetection.Enabled = false);

    /// <summary>Sets the panic threshold: below this percentage of healthy destinations, route across all. 0 turns panic off.</summary>
    /// <param name="percent">From 0 to 100; default 50.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithPanicThreshold(double percent) => ConfigureHealth(h => h.PanicThreshold = percent);

    /// <summary>Ramps up destinations that join or recover over <paramref name="window"/>.</summary>
    /// <param name="window">The ramp's length.</param>
    /// <param name="minWeightPercent">The starting share in percent of the weight; default 10.</param>
    /// <param name="aggression">The ramp's shape; 1 (the default) is linear.</param>
    /// <returns>This builder.</returns>
    public ClusterBuilder WithSlowStart(TimeSpan window, double minWeightPercent = 10, double aggression = 1) =>
        ConfigureHealth(h =>
        {
            h.SlowStart.Window = window;
            h.SlowStart.MinWeightPercent = minWeightPercent;
            h.SlowStart.Aggression = aggression;
        });
}
