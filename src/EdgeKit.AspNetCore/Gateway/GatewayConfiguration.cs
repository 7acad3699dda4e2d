using EdgeKit.AspNetCore.Affinity;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using EdgeKit.DependencyInjection;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// The routes in force. Built from <see cref="GatewayOptions"/> at start (invalid options fail the start with every
/// problem listed) and rebuilt whenever the options or the clusters' options change; a change that does not validate is
/// logged, problem by problem, and the routes in force stay. Like the cluster registry, it listens to the options'
/// change tokens itself, so no exception is ever thrown on the configuration's reload thread.
/// </summary>
internal sealed class GatewayConfiguration : IDisposable
{
    private readonly IOptionsFactory<GatewayOptions> _factory;
    private readonly IOptionsFactory<EdgeKitOptions> _clusterFactory;
    private readonly ClusterRegistry _registry;
    private readonly IRouteTransformBuilder _transforms;
    private readonly ILogger _logger;
    private readonly IDataProtectionProvider? _dataProtection;
    private readonly IOptionsFactory<AggregationOptions>? _aggregates;
    private readonly IReadOnlyCollection<string>? _cachePolicies;
    private readonly ConfigurationCheck? _check;
    private readonly GatewayPolicyReferences? _references;
    private readonly List<IDisposable> _registrations = [];
    private readonly object _lock = new();
    private State _state;
    private CancellationTokenSource _changed = new();
    private IChangeToken? _lastFired;

    public GatewayConfiguration(
        IOptionsFactory<GatewayOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<GatewayOptions>> changeSources,
        IOptionsFactory<EdgeKitOptions> clusterFactory,
        IEnumerable<IOptionsChangeTokenSource<EdgeKitOptions>> clusterChangeSources,
        ClusterRegistryHost registryHost,
        IRouteTransformBuilder transforms,
        ILogger<GatewayConfiguration> logger,
        IDataProtectionProvider? dataProtection = null,
        IOptionsFactory<AggregationOptions>? aggregates = null,
        IEnumerable<IOptionsChangeTokenSource<AggregationOptions>>? aggregateChangeSources = null,
        EdgeKit.Caching.HttpCacheRegistry? caches = null,
        ConfigurationCheck? check = null,
        GatewayPolicyReferences? references = null)
    {
        _check = check;
        _references = references;
        _cachePolicies = caches?.Names;
        // Routes are checked against the aggregates' configuration as bound now (not the aggregator registry, which
        // reloads on its own and may not have seen the same change yet); requests look aggregates up when they run.
        _aggregates = aggregates;
        _dataProtection = dataProtection;
        _factory = factory;
        _clusterFactory = clusterFactory;
        _registry = registryHost.Registry;
        _transforms = transforms;
        _logger = logger;
        if (!TryBuild(out var state, out var errors, out var exception))
        {
            // With the routes' problems, every other problem of the configuration (policies' validators...).
            throw new EdgeKitConfigurationException(check?.ReportWith(errors) ?? errors, exception);
        }

        _state = state;
        GatewayLog.RoutesApplied(_logger, state.Routes.Count);
        ReloadThreadReserve.Ensure(state.Options.ReloadThreadReserve);
        // Clusters and routes change together: a reload applies both or neither, so a route never loses its cluster
        // (AddGateway() registered ApplyClusterReloadsElsewhere(): the registry host does not apply them alone).
        // Options bound from one IConfiguration all hand out its reload token, so one change fires every source
        // below with the same token: Watch rebuilds once per token, and each problem of a bad reload is logged once.
        foreach (var source in changeSources)
        {
            Watch(source.Name, source.GetChangeToken);
        }

        foreach (var source in aggregateChangeSources ?? [])
        {
            Watch(source.Name, source.GetChangeToken);
        }

        foreach (var source in clusterChangeSources)
        {
            Watch(source.Name, source.GetChangeToken);
        }
    }

    private void Watch(string? name, Func<IChangeToken> produce)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        // ChangeToken.OnChange runs the consumer before asking for the next token, so `fired` is the token that fired.
        IChangeToken? fired = null;
        _registrations.Add(ChangeToken.OnChange(() => fired = produce(), () => Reload(fired)));
    }

    /// <summary>The routes in force and the forwarding settings they use.</summary>
    public State Current => Volatile.Read(ref _state);

    /// <summary>Fires once when the routes change.</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    private void Reload(IChangeToken? fired)
    {
        try
        {
            lock (_lock)
            {
                if (fired is not null && ReferenceEquals(fired, _lastFired))
                {
                    // Another options type bound from the same configuration already applied this change.
                    return;
                }

                _lastFired = fired;
                if (_check is not null && !_check.TryValidate(out _))
                {
                    // Not one key of the change is applied; the check logged each problem once.
                    return;
                }

                if (!TryBuild(out var state, out var errors, out _))
                {
                    foreach (var error in errors)
                    {
                        GatewayLog.ConfigurationRejected(_logger, error);
                    }

                    return;
                }

                // Clusters first, so a new route never finds its cluster missing; if the registry rejects them (it logs
                // why), the routes stay as they are too.
                if (!_registry.TryUpdate(state.Clusters))
                {
                    return;
                }

                Volatile.Write(ref _state, state);
                GatewayLog.RoutesApplied(_logger, state.Routes.Count);
                ReloadThreadReserve.Ensure(state.Options.ReloadThreadReserve);
                var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
                previous.Cancel();
                previous.Dispose();
            }
        }
        catch (Exception ex)
        {
            GatewayLog.ConfigurationRejected(_logger, ex.Message);
        }
    }

    private bool TryBuild(out State state, out List<string> errors, out Exception? exception) =>
        TryBuild(_factory, _clusterFactory, _aggregates, out state, out errors, out exception);

    /// <summary>
    /// Every problem of a candidate configuration (options created by the given factories) that a reload would find,
    /// clusters included; nothing is applied. The shared configuration store's dry run.
    /// </summary>
    internal List<string> Validate(IOptionsFactory<GatewayOptions> factory, IOptionsFactory<EdgeKitOptions> clusterFactory, IOptionsFactory<AggregationOptions>? aggregates)
    {
        if (TryBuild(factory, clusterFactory, aggregates, out var state, out var errors, out _))
        {
            errors.AddRange(_registry.Validate(state.Clusters));
        }

        return errors;
    }

    private bool TryBuild(
        IOptionsFactory<GatewayOptions> factory,
        IOptionsFactory<EdgeKitOptions> clusterFactory,
        IOptionsFactory<AggregationOptions>? aggregates,
        out State state,
        out List<string> errors,
        out Exception? exception)
    {
        errors = [];
        exception = null;
        state = null!;
        GatewayOptions options;
        EdgeKitOptions clusters;
        AggregationOptions? aggregation;
        try
        {
            options = factory.Create(Options.DefaultName);
            clusters = clusterFactory.Create(Options.DefaultName);
            aggregation = aggregates?.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            exception = ex;
            errors.AddRange(ex.Failures);
            return false;
        }
        catch (EdgeKitConfigurationException ex)
        {
            // Configuration imported from another gateway's format reports every problem itself.
            exception = ex;
            errors.AddRange(ex.Errors);
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            exception = ex;
            errors.Add($"EdgeKit: the gateway configuration does not bind: {ex.Message}");
            return false;
        }

        var routes = GatewayOptionsValidator.Build(options, clusters, _transforms, errors, aggregation, _cachePolicies);
        _references?.Check(options, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        var affinity = new Dictionary<string, ClusterAffinity>(StringComparer.OrdinalIgnoreCase);
        foreach (var (cluster, affinityOptions) in options.SessionAffinity)
        {
            var keys = affinityOptions.Keys.Select(k => GatewayOptionsValidator.DecodeKey(k)!).ToArray();
            if (keys.Length == 0 && _dataProtection is null)
            {
                errors.Add($"EdgeKit:SessionAffinity:{cluster}: has no Keys and ASP.NET Core Data Protection is not registered; add Keys or call services.AddDataProtection().");
                return false;
            }

            affinity[cluster] = new ClusterAffinity(affinityOptions, new AffinityValueProtector(cluster, keys, _dataProtection));
        }

        var identityHeaders = IdentityForwarding.IdentityHeaderNames.From(options.IdentityForwarding.Values);
        state = new State(routes, new ForwarderSettings(options.Forwarder, affinity, identityHeaders), clusters) { Options = options };
        return true;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _changed.Dispose();
    }

    /// <summary>One generation of routes.</summary>
    internal sealed record State(IReadOnlyList<GatewayRoute> Routes, ForwarderSettings Forwarder, EdgeKitOptions Clusters)
    {
        /// <summary>The options the routes were built from.</summary>
        public GatewayOptions Options { get; init; } = new();
    }
}
