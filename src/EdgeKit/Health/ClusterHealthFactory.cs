using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Health;

/// <summary>EdgeKit's health rules (<see cref="ClusterHealth"/>, <see cref="HealthOptionsValidator"/>) behind Destinations' <see cref="IClusterHealthFactory"/>.</summary>
internal sealed class ClusterHealthFactory : IClusterHealthFactory
{
    /// <summary>The one instance (the factory holds no state).</summary>
    public static ClusterHealthFactory Instance { get; } = new();

    /// <inheritdoc/>
    public void Validate(HealthOptions options, string path, List<string> errors) => HealthOptionsValidator.Validate(options, path, errors);

    /// <inheritdoc/>
    public IClusterHealth Create(string clusterName, TimeProvider time, ILogger logger, Lock updateLock, Action rebuild, HealthOptions options) =>
        new ClusterHealth(clusterName, time, logger, updateLock, rebuild, options);

    /// <summary>
    /// Makes this factory the default of clusters built without dependency injection (<c>new Cluster(...)</c>), so that
    /// Destinations obtains health without naming this folder.
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "Sets an internal default inside this assembly only (the inverse of a dependency: Health registers with Destinations); no user code runs.")]
    internal static void RegisterAsDefault() => ClusterHealthFactories.Default = Instance;
}
