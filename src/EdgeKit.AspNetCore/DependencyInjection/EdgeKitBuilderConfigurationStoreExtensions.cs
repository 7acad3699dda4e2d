using EdgeKit.AspNetCore.Admin;
using EdgeKit.AspNetCore.ConfigurationStore;
using EdgeKit.Configuration;
using EdgeKit.ConfigurationStore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>A fleet of gateways sharing one configuration document through a store.</summary>
public static class EdgeKitBuilderConfigurationStoreExtensions
{
    /// <summary>
    /// Reads the gateway's shared sections (routes, clusters, policies: <see cref="ConfigurationStoreOptions.SharedSections"/>)
    /// from <paramref name="store"/>, as one versioned document that replaces those sections of the files. The store is
    /// added as the last source of <paramref name="configuration"/>, so a document is checked and applied exactly as a
    /// changed <c>appsettings.json</c> is: strict binding, every validator, routes and clusters together, and a document
    /// this instance cannot apply changes nothing (the status API reports it). While the store holds no document, the
    /// files are used. Call it after every other configuration source and after <c>AddGateway(section)</c>; map the admin
    /// API with <c>app.MapEdgeKitAdmin(policy)</c>.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configuration">The app's configuration (<c>builder.Configuration</c>), the one <c>AddGateway</c> reads.</param>
    /// <param name="store">The store: <see cref="InMemoryConfigurationStore"/>, or EdgeKit.Redis's <c>RedisConfigurationStore</c> for a fleet.</param>
    /// <param name="configure">Sets the options; optional.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    /// <exception cref="InvalidOperationException">A configuration store was added already.</exception>
    public static IEdgeKitBuilder AddConfigurationStore(this IEdgeKitBuilder builder, IConfigurationBuilder configuration, IConfigurationStore store, Action<ConfigurationStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(store);
        var options = new ConfigurationStoreOptions();
        configure?.Invoke(options);
        Validate(options);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(SharedConfigurationSource)))
        {
            throw new InvalidOperationException("AddConfigurationStore was called twice: a gateway reads its shared configuration from one store.");
        }

        var source = new SharedConfigurationSource(store, options);
        configuration.Add(source);
        services.AddSingleton(source);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SharedDocumentValidator>();
        services.TryAddSingleton<SharedConfigurationApplier>();
        services.TryAddSingleton<ConfigurationAdmin>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<SharedConfigurationApplier>());
        return builder.AddGateway();
    }

    private static void Validate(ConfigurationStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SectionName))
        {
            throw new ArgumentException("ConfigurationStoreOptions.SectionName is empty; name the section AddGateway reads (e.g. EdgeKit).", nameof(options));
        }

        if (options.SharedSections is not { Count: > 0 } || options.SharedSections.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("ConfigurationStoreOptions.SharedSections must name at least one section and no blank one.", nameof(options));
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException($"ConfigurationStoreOptions.PollInterval is {options.PollInterval}; it must be at least 00:00:00.1.", nameof(options));
        }

        if (options.StartupTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"ConfigurationStoreOptions.StartupTimeout is {options.StartupTimeout}; it must be positive.", nameof(options));
        }
    }
}
