using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Migration;
using EdgeKit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs the gateway from a configuration written for YARP or Ocelot, as it is.</summary>
public static class EdgeKitBuilderMigrationExtensions
{
    /// <summary>
    /// Adds the gateway with routes and clusters read from YARP's configuration: <paramref name="section"/> is the section
    /// YARP's <c>LoadFromConfig</c> was given (usually <c>ReverseProxy</c>), holding <c>Routes</c> and <c>Clusters</c>.
    /// Every key maps to EdgeKit behaviour that matches YARP's, or the start fails naming it and why (unknown keys too,
    /// every problem at once). The section reloads like EdgeKit's own: a reload that does not validate is logged and the
    /// routes in force stay. May be combined with <c>AddGateway(section)</c> as long as no route or cluster name is used
    /// by both. See docs/migrating-from-yarp.md.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">YARP's configuration section.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEdgeKitBuilder AddYarpConfiguration(this IEdgeKitBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddImport(builder, section, () => YarpConfigurationImporter.Import(section));
        return builder;
    }

    /// <summary>
    /// Adds the gateway with routes, clusters, authorization policies and aggregates read from Ocelot's configuration:
    /// <paramref name="configuration"/> holds what <c>ocelot.json</c> holds (<c>Routes</c>, <c>Aggregates</c>,
    /// <c>GlobalConfiguration</c>) and nothing else, for example <c>new ConfigurationBuilder().AddJsonFile("ocelot.json").Build()</c>
    /// (not the app's whole configuration: its other keys, such as <c>Logging</c>, would be unknown Ocelot keys). Every key maps to EdgeKit
    /// behaviour that matches Ocelot's, or the start fails naming it and why (unknown keys too, every problem at once).
    /// Reloads with the configuration. See docs/migrating-from-ocelot.md.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configuration">Ocelot's configuration.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEdgeKitBuilder AddOcelotConfiguration(this IEdgeKitBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.AddAggregation();
        // Routes with AuthenticationOptions become EdgeKit authorization policies over the app's authentication schemes
        // (Ocelot's AuthenticationProviderKey names a scheme the app registers, as with Ocelot).
        builder.Services.AddAuthentication();
        builder.AddAuthorizationPolicies(_ => { });
        // Routes with RateLimitOptions become EdgeKit rate-limit policies, which the routes apply themselves (no
        // app.UseRateLimiter() needed).
        builder.AddRateLimiting();
        var services = builder.Services;
        var setup = AddImport(builder, configuration, () => OcelotConfigurationImporter.Import(configuration));
        services.AddSingleton<IPostConfigureOptions<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitingOptions>>(setup);
        services.AddSingleton<IOptionsChangeTokenSource<EdgeKitAuthorizationOptions>>(new ConfigurationChangeTokenSource<EdgeKitAuthorizationOptions>(configuration));
        services.AddSingleton<IOptionsChangeTokenSource<AggregationOptions>>(new ConfigurationChangeTokenSource<AggregationOptions>(configuration));
        return builder;
    }

    /// <summary>
    /// Adds the gateway from an Ocelot configuration file (<c>ocelot.json</c>), reloaded when the file changes. See
    /// <see cref="AddOcelotConfiguration(IEdgeKitBuilder, IConfiguration)"/>.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="path">The file's path (absolute, or relative to the current directory).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or blank.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IEdgeKitBuilder AddOcelotConfiguration(this IEdgeKitBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Path.GetDirectoryName(full)!)
            .AddJsonFile(Path.GetFileName(full), optional: false, reloadOnChange: true)
            .Build();
        return builder.AddOcelotConfiguration(configuration);
    }

    private static ImportedOptionsSetup AddImport(IEdgeKitBuilder builder, IConfiguration configuration, Func<ImportedConfiguration> import)
    {
        builder.AddGateway();
        var services = builder.Services;
        var setup = new ImportedOptionsSetup(import);
        services.AddSingleton<IPostConfigureOptions<GatewayOptions>>(sp => setup.LoggingTo(sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.AddSingleton<IPostConfigureOptions<EdgeKitOptions>>(setup);
        services.AddSingleton<IPostConfigureOptions<EdgeKitAuthorizationOptions>>(setup);
        services.AddSingleton<IPostConfigureOptions<AggregationOptions>>(setup);
        // The gateway rebuilds routes and clusters on these tokens, as it does for EdgeKit's own section.
        services.AddSingleton<IOptionsChangeTokenSource<GatewayOptions>>(new ConfigurationChangeTokenSource<GatewayOptions>(configuration));
        services.AddSingleton<IOptionsChangeTokenSource<EdgeKitOptions>>(new ConfigurationChangeTokenSource<EdgeKitOptions>(configuration));
        return setup;
    }
}
