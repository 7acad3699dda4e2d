using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.DependencyInjection;

/// <summary>
/// Creates the <see cref="ClusterRegistry"/> from <see cref="EdgeKitOptions"/> and applies every later
/// change of those options. A change that does not bind or validate is logged (every problem) and ignored,
/// so a bad reload never takes down the clusters in force.
/// </summary>
/// <remarks>
/// EdgeKit listens to the options' change tokens itself rather than registering an
/// <see cref="IValidateOptions{TOptions}"/>: with one, an invalid reload would throw inside
/// <see cref="IOptionsMonitor{TOptions}"/>'s change callback, on the configuration reload thread.
/// For the same reason no exception leaves <see cref="Reload"/>: on a file watcher's thread it would end the process.
/// One instance per service provider, registered by <c>AddEdgeKit()</c>; take it from the services.
/// A component that validates cluster changes together with its own (the gateway) takes the reloads over when it is
/// registered, with <c>ApplyClusterReloadsElsewhere()</c>: this host then never applies a change alone.
/// </remarks>
public sealed class ClusterRegistryHost : IDisposable
{
    private readonly IOptionsFactory<EdgeKitOptions> _factory;
    private readonly List<IDisposable> _registrations = [];
    private readonly ILogger _logger;
    private readonly ConfigurationCheck? _check;

    internal ClusterRegistryHost(
        IOptionsFactory<EdgeKitOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<EdgeKitOptions>> changeSources,
        ClusterEnvironment environment,
        ConfigurationCheck? check = null,
        bool appliesReloads = true)
    {
        _check = check;
        _factory = factory;
        _logger = environment.LoggerFactory.CreateLogger<ClusterRegistryHost>();
        if (!TryCreateOptions(out var options, out var errors, out var exception))
        {
            throw new EdgeKitConfigurationException(errors, exception);
        }

        try
        {
            Registry = new ClusterRegistry(options, environment);
        }
        catch (EdgeKitConfigurationException ex) when (check is not null)
        {
            // The start fails on the clusters: with them, every other problem of the configuration (routes, policies...).
            throw new EdgeKitConfigurationException(check.ReportWith(ex.Errors), ex);
        }

        if (!appliesReloads)
        {
            // Another component validates cluster changes with its own and applies both or neither: nothing to listen to.
            return;
        }

        foreach (var source in changeSources)
        {
            if (source.Name is null || source.Name == Options.DefaultName)
            {
                _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
            }
        }
    }

    /// <summary>The cluster registry, created from the options when the host was created.</summary>
    public ClusterRegistry Registry { get; }

    private void Reload()
    {
        try
        {
            if (_check is not null && !_check.TryValidate(out _))
            {
                // The check logged each problem once; nothing of the change is applied.
                return;
            }

            if (!TryCreateOptions(out var options, out var errors, out _))
            {
                foreach (var error in errors)
                {
                    ConfigurationLog.ConfigurationRejected(_logger, error);
                }

                return;
            }

            Registry.TryUpdate(options);
        }
        catch (Exception ex)
        {
            // Not expected (TryUpdate reports invalid options itself), but this runs on the configuration's reload thread.
            ConfigurationLog.ConfigurationRejected(_logger, ex.Message);
        }
    }

    /// <summary>Binds the options; a binding failure (for example a weight that is not a number) becomes errors.</summary>
    private bool TryCreateOptions(
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EdgeKitOptions? options,
        out IReadOnlyList<string> errors,
        out Exception? exception)
    {
        try
        {
            options = _factory.Create(Options.DefaultName);
            errors = [];
            exception = null;
            return true;
        }
        catch (OptionsValidationException ex)
        {
            options = null;
            errors = ex.Failures.ToArray();
            exception = ex;
            return false;
        }
        catch (EdgeKitConfigurationException ex)
        {
            // Options set up from configuration in another format (the gateway's YARP and Ocelot imports) list every problem.
            options = null;
            errors = ex.Errors;
            exception = ex;
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            options = null;
            errors = [ex.Message];
            exception = ex;
            return false;
        }
    }

    /// <summary>Stops listening to the options' changes.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}

/// <summary>
/// Registered by <c>ApplyClusterReloadsElsewhere()</c>: a component of the application applies cluster reloads
/// (<see cref="ClusterRegistry.Validate"/>, then <see cref="ClusterRegistry.TryUpdate"/>), not <see cref="ClusterRegistryHost"/>.
/// Internal, so the choice is made at registration through the builder and cannot be undone later.
/// </summary>
internal sealed class ClusterReloadsAppliedElsewhere
{
    public static readonly ClusterReloadsAppliedElsewhere Instance = new();

    private ClusterReloadsAppliedElsewhere()
    {
    }
}
