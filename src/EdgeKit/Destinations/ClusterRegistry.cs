using System.Collections.Frozen;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Destinations;

/// <summary>
/// The clusters of an application, built from <see cref="EdgeKitOptions"/> and kept up to date as the
/// options change. A cluster object, once created for a name, stays the same object for the life of the
/// registry: a reload updates it in place (destinations whose id stays keep their live state), a removal
/// empties it, and a later re-addition fills it again.
/// </summary>
public sealed class ClusterRegistry
{
    /// <summary>The destination source name used for destinations listed in <see cref="EdgeKitOptions"/>.</summary>
    public const string ConfigurationSource = "configuration";

    /// <summary>The destination source name used for destinations resolved through service discovery (<see cref="ClusterOptions.ServiceName"/>).</summary>
    public const string ServiceDiscoverySource = "service-discovery";

    private readonly Lock _applyLock = new();
    private readonly ILogger _logger;
    private readonly Dictionary<string, Cluster> _everCreated = new(StringComparer.OrdinalIgnoreCase);
    private FrozenDictionary<string, Cluster> _active = FrozenDictionary<string, Cluster>.Empty;
    private EdgeKitOptions _current = new();

    /// <summary>Creates a registry from options.</summary>
    /// <param name="options">The clusters to create.</param>
    /// <param name="environment">Clock, randomness, strategies and logging; default <see cref="ClusterEnvironment.Default"/>.</param>
    /// <exception cref="EdgeKitConfigurationException">The options are invalid; every problem is listed.</exception>
    public ClusterRegistry(EdgeKitOptions options, ClusterEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Environment = environment ?? ClusterEnvironment.Default;
        _logger = Environment.LoggerFactory.CreateLogger<ClusterRegistry>();
        Update(options);
    }

    /// <summary>
    /// Raised after new options have been applied (not after a rejected update). Handlers run on the updating
    /// thread; an exception thrown by one is logged and does not reach the caller of <see cref="Update"/>, since
    /// the options are applied by then.
    /// </summary>
    public event Action<ClusterRegistry>? Updated;

    /// <summary>Clock, randomness, strategies and logging shared by every cluster.</summary>
    public ClusterEnvironment Environment { get; }

    /// <summary>The clusters currently configured.</summary>
    public IReadOnlyCollection<Cluster> Clusters => Volatile.Read(ref _active).Values;

    /// <summary>The options currently in force (do not modify them).</summary>
    public EdgeKitOptions CurrentOptions => Volatile.Read(ref _current);

    /// <summary>Finds a configured cluster by name.</summary>
    /// <param name="name">The cluster's name (case-insensitive).</param>
    /// <param name="cluster">The cluster, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGetCluster(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Cluster? cluster)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Volatile.Read(ref _active).TryGetValue(name, out cluster);
    }

    /// <summary>Finds a configured cluster by name.</summary>
    /// <param name="name">The cluster's name (case-insensitive).</param>
    /// <returns>The cluster.</returns>
    /// <exception cref="KeyNotFoundException">No cluster has that name; the message lists those that exist.</exception>
    public Cluster GetCluster(string name)
    {
        if (TryGetCluster(name, out var cluster))
        {
            return cluster;
        }

        var known = Volatile.Read(ref _active).Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();
        throw new KeyNotFoundException(
            $"No EdgeKit cluster is named '{name}'. " +
            (known.Length == 0
                ? "No cluster is configured: add one with AddCluster(...) or under EdgeKit:Clusters in configuration."
                : $"Configured clusters: {string.Join(", ", known)}."));
    }

    /// <summary>
    /// Every problem <see cref="Update"/> would refuse <paramref name="options"/> for (each naming its cluster and
    /// destination, checked with this registry's strategies and health settings); nothing is applied or logged. A dry run
    /// for a component that validates cluster changes together with its own before applying them.
    /// </summary>
    /// <param name="options">The options checked.</param>
    /// <returns>The problems; empty when <see cref="Update"/> would apply the options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<string> Validate(EdgeKitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        EdgeKitOptionsValidator.Validate(options, "EdgeKit", Environment.Strategies, Environment.HealthFactory, errors);
        return errors;
    }

    /// <summary>
    /// Applies new options: clusters are added, updated in place or removed. Either everything is
    /// applied or, when the options are invalid, nothing is.
    /// </summary>
    /// <param name="options">The new options.</param>
    /// <exception cref="EdgeKitConfigurationException">The options are invalid; every problem is listed and the previous options stay in force.</exception>
    public void Update(EdgeKitOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(errors);
        }

        lock (_applyLock)
        {
            var active = new Dictionary<string, Cluster>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, clusterOptions) in options.Clusters)
            {
                var destinations = ToDestinations(clusterOptions);
                if (_everCreated.TryGetValue(name, out var cluster))
                {
                    cluster.MarkRestored();
                    cluster.UpdateLoadBalancing(clusterOptions.LoadBalancing);
                    cluster.UpdateHealth(clusterOptions.Health);
                    cluster.UpdateDestinations(ConfigurationSource, destinations);
                }
                else
                {
                    cluster = new Cluster(name, loadBalancing: clusterOptions.LoadBalancing, environment: Environment, health: clusterOptions.Health);
                    cluster.UpdateDestinations(ConfigurationSource, destinations);
                    _everCreated.Add(name, cluster);
                    EdgeKitLog.ClusterAdded(_logger, name, cluster.Snapshot.LoadBalancing.Strategy);
                }

                active.Add(name, cluster);
            }

            foreach (var (name, cluster) in Volatile.Read(ref _active))
            {
                if (!active.ContainsKey(name))
                {
                    cluster.MarkRemoved();
                    EdgeKitLog.ClusterRemoved(_logger, name);
                }
            }

            Volatile.Write(ref _active, active.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
            Volatile.Write(ref _current, options);
            EdgeKitLog.ConfigurationApplied(_logger, active.Count);
        }

        RaiseUpdated();
    }

    private void RaiseUpdated()
    {
        if (Updated is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<ClusterRegistry>)handler).Invoke(this);
            }
            catch (Exception ex)
            {
                EdgeKitLog.UpdatedHandlerFailed(_logger, ex);
            }
        }
    }

    /// <summary>Applies new options if they are valid; otherwise logs every problem and keeps the current ones.</summary>
    /// <param name="options">The new options.</param>
    /// <returns>Whether the options were applied.</returns>
    public bool TryUpdate(EdgeKitOptions options)
    {
        try
        {
            Update(options);
            return true;
        }
        catch (EdgeKitConfigurationException ex)
        {
            foreach (var error in ex.Errors)
            {
                ConfigurationLog.ConfigurationRejected(_logger, error);
            }

            return false;
        }
    }

    /// <summary>Turns validated destination options into destinations.</summary>
    private static Destination[] ToDestinations(ClusterOptions cluster) =>
        [.. (cluster.Destinations ?? []).Select(pair => new Destination(
            pair.Key,
            new Uri(pair.Value.Address!, UriKind.Absolute),
            pair.Value.Weight,
            pair.Value.Metadata,
            string.IsNullOrWhiteSpace(pair.Value.HealthAddress) ? null : new Uri(pair.Value.HealthAddress, UriKind.Absolute)))];
}
