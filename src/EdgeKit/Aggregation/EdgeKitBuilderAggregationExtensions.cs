using EdgeKit.Aggregation;
using EdgeKit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Response aggregation on an <see cref="IEdgeKitBuilder"/>.</summary>
public static class EdgeKitBuilderAggregationExtensions
{
    /// <summary>
    /// Adds the services of aggregation: the <see cref="AggregatorRegistry"/> (validated when the host starts) and the
    /// <see cref="AggregateHttpClientNames">named clients</see> that send cluster legs through EdgeKit's balancing.
    /// Calling it again is harmless.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddAggregation(this IEdgeKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddHttpClient();
        services.AddOptions<AggregationOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, AggregateClusterClientConfigurator>());
        services.TryAddSingleton(sp => new AggregatorRegistry(
            sp.GetRequiredService<IOptionsFactory<AggregationOptions>>(),
            sp.GetServices<IOptionsChangeTokenSource<AggregationOptions>>(),
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AggregationStartupValidator>());
        return builder;
    }

    /// <summary>
    /// Describes an aggregate in code. It is applied after configuration binding, replacing an aggregate of the same
    /// name from configuration, and again on every configuration reload.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The aggregate's name (case-insensitive).</param>
    /// <param name="configure">Adds the legs and sets the bounds.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddAggregate(this IEdgeKitBuilder builder, string name, Action<AggregateOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddAggregation();
        builder.Services.PostConfigure<AggregationOptions>(options =>
        {
            var aggregate = new AggregateOptions();
            configure(aggregate);
            options.Aggregates[name] = aggregate;
        });
        return builder;
    }

    /// <summary>
    /// Binds aggregates from configuration: <paramref name="section"/> is the <c>EdgeKit</c> section, whose
    /// <c>Aggregates</c> holds one section per aggregate. Changes apply as they happen; a change that does not validate
    /// is logged and ignored.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">The <c>EdgeKit</c> section.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddAggregates(this IEdgeKitBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddAggregation();
        StrictBinding.Add<AggregationOptions>(builder.Services, null, section, EdgeKitSettingsShapes.AggregationOptions, (c, o) => c.Bind(o));
        return builder;
    }
}
