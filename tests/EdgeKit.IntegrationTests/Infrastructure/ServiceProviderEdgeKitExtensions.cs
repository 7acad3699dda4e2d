using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.IntegrationTests.Infrastructure;

internal static class ServiceProviderEdgeKitExtensions
{
    /// <summary>The logical address clients use; only its path and query reach a destination.</summary>
    public static readonly Uri LogicalAddress = new("http://orders/");

    /// <summary>The cluster named <paramref name="name"/>.</summary>
    public static Cluster GetCluster(this IServiceProvider services, string name) =>
        services.GetRequiredService<ClusterRegistry>().GetCluster(name);

    /// <summary>The live state of the destination <paramref name="id"/> of cluster <paramref name="cluster"/>.</summary>
    public static DestinationState GetDestination(this IServiceProvider services, string cluster, string id) =>
        services.GetCluster(cluster).Snapshot.TryGetDestination(id, out var state)
            ? state
            : throw new KeyNotFoundException($"Cluster '{cluster}' has no destination '{id}'.");

    /// <summary>The named client <paramref name="name"/>.</summary>
    public static HttpClient CreateClient(this IServiceProvider services, string name) =>
        services.GetRequiredService<IHttpClientFactory>().CreateClient(name);
}
