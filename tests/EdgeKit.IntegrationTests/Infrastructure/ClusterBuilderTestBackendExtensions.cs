using EdgeKit.DependencyInjection;

namespace EdgeKit.IntegrationTests.Infrastructure;

internal static class ClusterBuilderTestBackendExtensions
{
    /// <summary>Adds every instance of <paramref name="backend"/> as a destination whose id is the instance's name.</summary>
    /// <param name="cluster">The cluster.</param>
    /// <param name="backend">The instances.</param>
    /// <param name="weight">Each instance's weight, by index; default 1.</param>
    /// <param name="pathPrefix">A path joined to each instance's address, e.g. <c>base/</c>; default none.</param>
    public static ClusterBuilder AddInstances(this ClusterBuilder cluster, TestBackend backend, Func<int, int>? weight = null, string? pathPrefix = null)
    {
        for (int i = 0; i < backend.Instances.Count; i++)
        {
            var instance = backend[i];
            var address = pathPrefix is null ? instance.Address : new Uri(instance.Address, pathPrefix);
            cluster.AddDestination(address.ToString(), weight?.Invoke(i) ?? 1, id: instance.Name);
        }

        return cluster;
    }
}
