using System.Diagnostics.CodeAnalysis;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.Aggregation;

/// <summary>
/// The aggregates registered with DI (<c>AddAggregate</c>, <c>AddAggregates</c>), by name, built from
/// <see cref="AggregationOptions"/> and rebuilt when the configuration changes. A change that does not validate is logged
/// (event 1252, every problem) and ignored: the aggregates in force stay.
/// </summary>
public sealed class AggregatorRegistry : IDisposable
{
    private readonly IOptionsFactory<AggregationOptions> _factory;
    private readonly IHttpClientFactory _clients;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _registrations = [];
    private volatile Dictionary<string, Aggregator> _aggregators;

    internal AggregatorRegistry(
        IOptionsFactory<AggregationOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<AggregationOptions>> changeSources,
        IHttpClientFactory clients,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory)
    {
        _factory = factory;
        _clients = clients;
        _timeProvider = timeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.Aggregation");
        if (!TryBuild(out var aggregators, out var errors))
        {
            throw new EdgeKitConfigurationException(errors);
        }

        _aggregators = aggregators;
        foreach (var source in changeSources)
        {
            if (source.Name is null || source.Name == Options.DefaultName)
            {
                _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
            }
        }
    }

    /// <summary>The names of the aggregates in force.</summary>
    public IReadOnlyCollection<string> Names => _aggregators.Keys;

    /// <summary>Finds an aggregate by name (case-insensitive).</summary>
    /// <param name="name">The aggregate's name.</param>
    /// <param name="aggregator">The aggregator, when found.</param>
    /// <returns>Whether an aggregate has that name.</returns>
    public bool TryGetAggregator(string name, [NotNullWhen(true)] out Aggregator? aggregator)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _aggregators.TryGetValue(name, out aggregator);
    }

    /// <summary>Returns an aggregate by name (case-insensitive).</summary>
    /// <param name="name">The aggregate's name.</param>
    /// <returns>The aggregator.</returns>
    /// <exception cref="KeyNotFoundException">No aggregate has that name.</exception>
    public Aggregator GetAggregator(string name) => TryGetAggregator(name, out var aggregator)
        ? aggregator
        : throw new KeyNotFoundException($"No EdgeKit aggregate is named '{name}'. Known: {(Names.Count == 0 ? "none" : string.Join(", ", Names.Order()))}.");

    /// <summary>Stops listening for configuration changes.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Reload()
    {
        try
        {
            if (TryBuild(out var aggregators, out var errors))
            {
                _aggregators = aggregators;
                return;
            }

            foreach (var error in errors)
            {
                EdgeKitLog.AggregationConfigurationRejected(_logger, error);
            }
        }
        catch (Exception ex)
        {
            // This runs on the configuration's reload thread: nothing may escape.
            EdgeKitLog.AggregationConfigurationRejected(_logger, ex.Message);
        }
    }

    private bool TryBuild([NotNullWhen(true)] out Dictionary<string, Aggregator>? aggregators, out List<string> errors)
    {
        errors = [];
        aggregators = null;
        AggregationOptions options;
        try
        {
            options = _factory.Create(Options.DefaultName);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OptionsValidationException)
        {
            errors.Add($"EdgeKit aggregates could not be read from configuration: {ex.Message}");
            return false;
        }

        var built = new Dictionary<string, Aggregator>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, aggregate) in options.Aggregates)
        {
            if (aggregate is null)
            {
                errors.Add($"Aggregate '{name}' is empty.");
                continue;
            }

            try
            {
                built[name] = new Aggregator(name, aggregate, ClientFor, _timeProvider, _logger);
            }
            catch (EdgeKitConfigurationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        if (errors.Count > 0)
        {
            return false;
        }

        aggregators = built;
        return true;
    }

    private HttpClient ClientFor(AggregateLegOptions leg) =>
        _clients.CreateClient(leg.Client ?? AggregateHttpClientNames.ForCluster(leg.Cluster!));
}
