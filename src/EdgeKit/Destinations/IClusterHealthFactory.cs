using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Destinations;

/// <summary>
/// Makes each cluster's <see cref="IClusterHealth"/> and checks <see cref="HealthOptions"/>: the one door through which
/// Destinations reaches health, so health depends on Destinations and never the other way. <c>AddEdgeKit()</c>
/// registers <c>EdgeKit.Health</c>'s factory and hands it to the <see cref="ClusterEnvironment"/>; without dependency
/// injection a cluster uses <see cref="ClusterHealthFactories.Default"/>, the same factory.
/// </summary>
internal interface IClusterHealthFactory
{
    /// <summary>Adds every problem of <paramref name="options"/> to <paramref name="errors"/>, each prefixed with <paramref name="path"/>.</summary>
    void Validate(HealthOptions options, string path, List<string> errors);

    /// <summary>Makes the health of one cluster.</summary>
    /// <param name="clusterName">The cluster's name, for logs and metrics.</param>
    /// <param name="time">The cluster's clock.</param>
    /// <param name="logger">The cluster's logger.</param>
    /// <param name="updateLock">The cluster's update lock, under which every change runs.</param>
    /// <param name="rebuild">Builds and swaps in a new snapshot of the cluster; called under <paramref name="updateLock"/>.</param>
    /// <param name="options">The validated, private health settings.</param>
    IClusterHealth Create(string clusterName, TimeProvider time, ILogger logger, Lock updateLock, Action rebuild, HealthOptions options);
}

/// <summary>The health factory clusters use when their environment names none.</summary>
internal static class ClusterHealthFactories
{
    private static IClusterHealthFactory? s_default;

    /// <summary>
    /// EdgeKit's health rules (<c>EdgeKit.Health.ClusterHealthFactory</c>, which sets itself here when the assembly
    /// loads, so Destinations never names it).
    /// </summary>
    /// <exception cref="InvalidOperationException">Read before it was set (a bug: the assembly's initializer sets it).</exception>
    public static IClusterHealthFactory Default
    {
        get => Volatile.Read(ref s_default) ?? throw new InvalidOperationException("No cluster health factory is set: EdgeKit.Health's module initializer did not run.");
        set => Volatile.Write(ref s_default, value ?? throw new ArgumentNullException(nameof(value)));
    }
}
