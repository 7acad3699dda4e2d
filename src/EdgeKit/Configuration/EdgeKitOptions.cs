
namespace EdgeKit.Configuration;

/// <summary>
/// EdgeKit's configuration: bound from the <c>EdgeKit</c> configuration section and/or built in code.
/// Both reach the same model; configuration reloads are applied without dropping in-flight requests.
/// </summary>
/// <example>
/// <code>
/// "EdgeKit": {
///   "Clusters": {
///     "orders": {
///       "LoadBalancing": { "Strategy": "PeakEwma" },
///       "Destinations": {
///         "orders-1": { "Address": "http://10.0.0.11:8080", "Weight": 2, "Metadata": { "zone": "a" } },
///         "orders-2": { "Address": "http://10.0.0.12:8080" }
///       }
///     }
///   }
/// }
/// </code>
/// </example>
public sealed class EdgeKitOptions
{
    /// <summary>The name of the configuration section EdgeKit binds from by convention.</summary>
    public const string SectionName = "EdgeKit";

    /// <summary>Clusters by name (case-insensitive).</summary>
    public Dictionary<string, ClusterOptions> Clusters { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns the cluster named <paramref name="name"/>, adding an empty one first if there is none.</summary>
    /// <param name="name">The cluster's name.</param>
    /// <returns>The cluster's options.</returns>
    public ClusterOptions GetOrAddCluster(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!Clusters.TryGetValue(name, out var cluster))
        {
            cluster = new ClusterOptions();
            Clusters[name] = cluster;
        }

        return cluster;
    }
}
