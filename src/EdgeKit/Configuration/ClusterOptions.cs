
namespace EdgeKit.Configuration;

/// <summary>The configuration of one cluster: where its destinations come from and how they are balanced.</summary>
public sealed class ClusterOptions
{
    /// <summary>Destinations by id. Ids are compared case-insensitively and keep a destination's live state across reloads.</summary>
    public Dictionary<string, DestinationOptions> Destinations { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A service name resolved through Microsoft.Extensions.ServiceDiscovery (for example
    /// <c>https+http://orders</c>, <c>http://orders</c>, <c>orders</c> or <c>https://_dashboard.orders</c>); the
    /// endpoints it resolves to become destinations, beside any listed in <see cref="Destinations"/>.
    /// <see langword="null"/> for none. Takes effect once <c>AddServiceDiscovery()</c> is called on the EdgeKit builder.
    /// </summary>
    /// <remarks>
    /// <para>Schemes follow the library's own HttpClient handler. An endpoint written as a URI keeps its scheme;
    /// with <c>https+http://</c> the providers return the https endpoints when there are any, else the http ones.
    /// An endpoint written as a host or IP and port (<c>10.0.0.1:8080</c>) takes the service name's first scheme:
    /// https for <c>https+http://orders</c>, http for <c>http://orders</c> and for a name without a scheme.
    /// To fall back to http endpoint by endpoint, write the endpoints as URIs (<c>http://10.0.0.1:8080</c>).</para>
    /// <para>Each endpoint's text (<c>10.0.0.1:8080</c>, <c>https://10.0.0.1:8443/</c>) is its destination's id,
    /// so an endpoint that is resolved again keeps its live state. Only http and https schemes are accepted.</para>
    /// </remarks>
    public string? ServiceName { get; set; }

    /// <summary>How requests are spread over the destinations.</summary>
    public LoadBalancingOptions LoadBalancing { get; set; } = new();

    /// <summary>Active probes, outlier detection, panic threshold and slow start.</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>How the gateway's forwarder connects to this cluster's destinations (HTTP version, TLS, connection pool).</summary>
    public ClusterHttpClientOptions HttpClient { get; set; } = new();
}

/// <summary>The configuration of one destination.</summary>
public sealed class DestinationOptions
{
    /// <summary>The absolute http(s) address, e.g. <c>http://10.0.0.11:8080</c>, optionally with a path prefix. Required.</summary>
    public string? Address { get; set; }

    /// <summary>The relative share of traffic for weighted strategies: 1 to 10,000. Default 1.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>
    /// A separate absolute http(s) address for active health probes (e.g. a management port); <see langword="null"/>
    /// probes <see cref="Address"/>.
    /// </summary>
    public string? HealthAddress { get; set; }

    /// <summary>Free-form metadata, such as <c>zone</c>.</summary>
    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
