using EdgeKit.Destinations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.DependencyInjection;

/// <summary>
/// Creates the <see cref="ClusterRegistry"/> from <see cref="EdgeKitOptions"/> and applies every later
/// change of those options. A change that does not validate is logged (every problem) and ignored,
/// so a bad reload never takes down the clusters in force.
/// </summary>
/// <remarks>
/// EdgeKit listens to the options' change tokens itself rather than registering an
/// <see cref="IValidateOptions{TOptions}"/>: with one, an invalid reload would throw inside
/// <see cref="IOptionsMonitor{TOptions}"/>'s change callback, on the configuration reload thread.
/// </remarks>
internal sealed class ClusterRegistryHost : IDisposable
{
    private readonly IOptionsFactory<EdgeKitOptions> _factory;
    private readonly List<IDisposable> _registrations = [];

    public ClusterRegistryHost(
        IOptionsFactory<EdgeKitOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<EdgeKitOptions>> changeSources,
        ClusterEnvironment environment)
    {
        _factory = factory;
        Registry = new ClusterRegistry(factory.Create(Options.DefaultName), environment);
        foreach (var source in changeSources)
        {
            if (source.Name is null || source.Name == Options.DefaultName)
            {
                _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
            }
        }
    }

    public ClusterRegistry Registry { get; }

    private void Reload()
    {
        EdgeKitOptions options;
        try
        {
            options = _factory.Create(Options.DefaultName);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OptionsValidationException)
        {
            // Binding failed (for example a weight that is not a number): keep what is in force.
            Telemetry.EdgeKitLog.ConfigurationRejected(
                Registry.Environment.LoggerFactory.CreateLogger<ClusterRegistryHost>(), ex.Message);
            return;
        }

        Registry.TryUpdate(options);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}

/// <summary>Builds the cluster registry when the host starts, so that invalid configuration stops the start with every error listed.</summary>
internal sealed class EdgeKitStartupValidator(ClusterRegistryHost host) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = host.Registry;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
