using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns an ASP.NET Core app into an EdgeKit API gateway.</summary>
public static class EdgeKitBuilderGatewayExtensions
{
    /// <summary>
    /// Adds the gateway with routes and clusters read from <paramref name="section"/> (usually <c>EdgeKit</c>):
    /// <c>Routes</c>, <c>Clusters</c> and <c>Forwarder</c>. Both reload with the configuration; a reload that does not
    /// validate is logged and ignored. Map the routes with <c>app.MapEdgeKit()</c>.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEdgeKitBuilder AddGateway(this IEdgeKitBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddConfiguration(section);
        StrictBinding.Add<GatewayOptions>(builder.Services, null, section, AspNetCoreSettingsShapes.GatewayOptions, (c, o) => c.Bind(o));
        // Aggregates (EdgeKit:Aggregates:<name>) are route targets too.
        builder.AddAggregates(section);
        // Cache policies (EdgeKit:Caching:Policies:<name>) are what routes' CachePolicy names.
        builder.AddCaching(section.GetSection("Caching"));
        // Rate-limit policies (EdgeKit:RateLimiting:Policies:<name>) are what routes' RateLimiterPolicy names
        // (applied by the routes themselves; app.UseRateLimiter() only for the app's own AddRateLimiter policies).
        builder.AddRateLimiting(section.GetSection("RateLimiting"));
        return builder.AddGateway();
    }

    /// <summary>Adds the gateway; routes come from code (<see cref="AddRoute"/>, <see cref="ConfigureGateway"/>) or a later <c>AddGateway(section)</c>.</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IEdgeKitBuilder AddGateway(this IEdgeKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<GatewayOptions>();
        services.AddRouting();
        services.AddDataProtection();
        builder.AddAggregateEndpoints();
        builder.AddCaching();
        BuiltInTransformFactories.Register(services);
        services.TryAddSingleton<IRouteTransformBuilder, RouteTransformBuilder>();
        services.TryAddSingleton<ForwarderClusters>();
        services.TryAddSingleton<HttpForwarder>();
        services.TryAddSingleton<GatewayConfiguration>();
        // Clusters and routes are validated and applied together by GatewayConfiguration, never the clusters alone.
        builder.ApplyClusterReloadsElsewhere();
        if (!services.Any(d => d.ServiceType == typeof(RateLimiterMiddlewarePresence)))
        {
            // Route policy names are resolved at start and on reload; the probe tells whether app.UseRateLimiter() is there.
            services.AddSingleton<RateLimiterMiddlewarePresence>();
            services.AddSingleton<GatewayPolicyReferences>();
            services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, GatewayMiddlewareStartupFilter>();
            services.AddSingleton<IConfigurationRule, GatewayConfigurationRule>();
            services.Configure<RateLimiterOptions>(o => o.AddPolicy<string, RateLimiterMiddlewareProbe>(RateLimiterMiddlewareProbe.PolicyName));
            // ASP.NET's CorsService behind a probe that tells whether app.UseCors() is there. AddCors, before or after, keeps
            // it (it only TryAdds its own); an ICorsService of the app's own is kept, and then the check is skipped.
            var cors = services.FirstOrDefault(d => d.ServiceType == typeof(Microsoft.AspNetCore.Cors.Infrastructure.ICorsService));
            if (cors is null || cors.ImplementationType == typeof(Microsoft.AspNetCore.Cors.Infrastructure.CorsService))
            {
                services.Replace(ServiceDescriptor.Transient<Microsoft.AspNetCore.Cors.Infrastructure.ICorsService, CorsMiddlewareProbe>());
            }
        }

        services.TryAddSingleton<GatewayEndpointDataSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, GatewayMatcherPolicy>());
        // Every status the gateway produces itself carries a problem+json body: 401/403 from authorization, 404 and 405.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, MethodNotAllowedMatcherPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Hosting.IStartupFilter, RouteNotFoundStartupFilter>());
        EdgeKitBuilderAuthorizationExtensions.UseProblemDetailsResults(services);
        return builder;
    }

    /// <summary>Changes the gateway's options from code, after configuration is bound (so code wins).</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEdgeKitBuilder ConfigureGateway(this IEdgeKitBuilder builder, Action<GatewayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddGateway();
        builder.Services.PostConfigure(configure);
        return builder;
    }

    /// <summary>Adds (or changes) a route from code: the same model as <c>EdgeKit:Routes:&lt;id&gt;</c> in configuration.</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="id">The route id.</param>
    /// <param name="path">The route template, e.g. <c>/user/orders/{**rest}</c>.</param>
    /// <param name="cluster">The cluster requests are forwarded to.</param>
    /// <param name="configure">Sets the route's other options (methods, hosts, policies, transforms...); optional.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/>, <paramref name="path"/> or <paramref name="cluster"/> is null or blank.</exception>
    public static IEdgeKitBuilder AddRoute(this IEdgeKitBuilder builder, string id, string path, string cluster, Action<GatewayRouteOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(cluster);
        return builder.ConfigureGateway(options =>
        {
            var route = options.GetOrAddRoute(id);
            route.Match.Path = path;
            route.Cluster = cluster;
            configure?.Invoke(route);
        });
    }
}
