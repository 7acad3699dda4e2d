using EdgeKit.Balancing;

namespace EdgeKit.Destinations;

/// <summary>The configuration of one cluster: where its destinations come from and how they are balanced.</summary>
public sealed class ClusterOptions
{
    /// <summary>Destinations by id. Ids are compared case-insensitively and keep a destination's live state across reloads.</summary>
    public Dictionary<string, DestinationOptions> Destinations { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A service name resolved through Microsoft.Extensions.ServiceDiscovery (for example
    /// <c>https+http://orders</c>); the endpoints it resolves to become destinations, beside any listed in
    /// <see cref="Destinations"/>. <see langword="null"/> for none.
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>How requests are spread over the destinations.</summary>
    public LoadBalancingOptions LoadBalancing { get; set; } = new();
}

/// <summary>The configuration of one destination.</summary>
public sealed class DestinationOptions
{
    /// <summary>The absolute http(s) address, e.g. <c>http://10.0.0.11:8080</c>, optionally with a path prefix. Required.</summary>
    public string? Address { get; set; }

    /// <summary>The relative share of traffic for weighted strategies: 1 to 10,000. Default 1.</summary>
    public int Weight { get; set; } = Destination.DefaultWeight;

    /// <summary>Free-form metadata, such as <c>zone</c>.</summary>
    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
