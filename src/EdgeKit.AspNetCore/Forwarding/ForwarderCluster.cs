using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>A cluster as the forwarder uses it: the balancing core's cluster and the connection pool to its destinations.</summary>
internal sealed class ForwarderCluster(Cluster cluster, HttpMessageInvoker invoker, ClusterHttpClientOptions options, Version version)
{
    public Cluster Cluster { get; } = cluster;

    public HttpMessageInvoker Invoker { get; } = invoker;

    public ClusterHttpClientOptions Options { get; } = options;

    public Version Version { get; } = version;

    public HttpVersionPolicy VersionPolicy { get; } = options.VersionPolicy;

    /// <summary>Limits the warnings about the cluster's failed requests to one per <see cref="HttpForwarder.FailureLogInterval"/>.</summary>
    public Telemetry.LogThrottle FailureLog { get; } = new();
}
