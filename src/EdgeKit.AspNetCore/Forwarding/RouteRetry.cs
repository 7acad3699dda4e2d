using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Resilience;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// A route's <c>Retry</c> settings and the resilience pipeline built from them for the route's cluster: the same
/// <see cref="EdgeKitResiliencePipeline"/> (Polly v8) and per-cluster retry budget an HttpClient's
/// <c>AddEdgeKitResilience()</c> uses. The pipeline is built on first use and again when the cluster object changes
/// (a reload that replaces it); the request path reads one reference.
/// </summary>
internal sealed class RouteRetry
{
    private Built? _built;

    /// <summary>Takes a copy of <paramref name="options"/> (validated by the gateway's validator).</summary>
    public RouteRetry(EdgeKitResilienceOptions options) => Options = options.Clone();

    /// <summary>The settings in force.</summary>
    public EdgeKitResilienceOptions Options { get; }

    /// <summary>The pipeline for requests to <paramref name="cluster"/>.</summary>
    public EdgeKitResiliencePipeline For(Cluster cluster, ILogger logger)
    {
        var built = Volatile.Read(ref _built);
        if (built is not null && ReferenceEquals(built.Cluster, cluster))
        {
            return built.Pipeline;
        }

        built = new Built(cluster, new EdgeKitResiliencePipeline(cluster, Options, logger));
        Volatile.Write(ref _built, built);
        return built.Pipeline;
    }

    private sealed record Built(Cluster Cluster, EdgeKitResiliencePipeline Pipeline);
}
