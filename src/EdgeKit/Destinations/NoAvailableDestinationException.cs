namespace EdgeKit.Destinations;

/// <summary>
/// A request was sent to a cluster that has no available destination (none configured, or every one
/// unhealthy). Derives from <see cref="HttpRequestException"/> so that resilience pipelines treat it as
/// a transient transport failure.
/// </summary>
public sealed class NoAvailableDestinationException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="clusterName">The cluster that had no destination.</param>
    /// <param name="configuredDestinations">How many destinations the cluster has, available or not.</param>
    public NoAvailableDestinationException(string clusterName, int configuredDestinations)
        : base(
            configuredDestinations == 0
                ? $"Cluster '{clusterName}' has no destinations. Add destinations to it in code or configuration."
                : $"Cluster '{clusterName}' has no available destination: all {configuredDestinations} are unhealthy.",
            inner: null,
            statusCode: null)
    {
        ClusterName = clusterName;
        ConfiguredDestinations = configuredDestinations;
    }

    /// <summary>The cluster that had no destination.</summary>
    public string ClusterName { get; }

    /// <summary>How many destinations the cluster has, available or not.</summary>
    public int ConfiguredDestinations { get; }
}
