namespace EdgeKit.Aggregation;

/// <summary>
/// The named <see cref="HttpClient"/>s through which aggregates registered with DI send their cluster legs. EdgeKit adds
/// the cluster's balancing handler to each; add more to it by name, for example
/// <c>services.AddHttpClient(AggregateHttpClientNames.ForCluster("orders")).AddEdgeKitResilience()</c>.
/// </summary>
public static class AggregateHttpClientNames
{
    /// <summary>The prefix of the clients' names: <c>EdgeKit.Aggregation.</c>.</summary>
    public const string Prefix = "EdgeKit.Aggregation.";

    /// <summary>The name of the client that sends legs to <paramref name="cluster"/>: <c>EdgeKit.Aggregation.&lt;cluster&gt;</c>.</summary>
    /// <param name="cluster">The cluster's name.</param>
    /// <returns>The client's name.</returns>
    public static string ForCluster(string cluster)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cluster);
        return Prefix + cluster;
    }
}
