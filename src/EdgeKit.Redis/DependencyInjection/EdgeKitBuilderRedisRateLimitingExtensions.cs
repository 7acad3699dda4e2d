using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using EdgeKit.Redis.Configuration;
using EdgeKit.Redis.DependencyInjection;
using EdgeKit.Redis.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The distributed (Redis) rate limiter on an <see cref="IEdgeKitBuilder"/>.</summary>
public static class EdgeKitBuilderRedisRateLimitingExtensions
{
    /// <summary>
    /// Adds the Redis rate limiter over a connection made from a StackExchange.Redis configuration string (for example
    /// <c>redis1:6379,redis2:6379,password=...</c>). The connection is made in the background and kept retrying
    /// (<c>abortConnect=false</c>); until it is up, limiters answer with their failure mode. It is disposed with the
    /// service provider. Resolve <see cref="RedisRateLimiterFactory"/> to create limiters.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string.</param>
    /// <returns>The EdgeKit builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A different Redis connection was already added for rate limiting.</exception>
    public static IEdgeKitBuilder AddRedisRateLimiting(this IEdgeKitBuilder builder, string configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return AddConnection(builder, configuration, _ => new RedisConnection(configuration));
    }

    /// <summary>
    /// Adds the Redis rate limiter over a connection the application owns (and disposes). Resolve
    /// <see cref="RedisRateLimiterFactory"/> to create limiters.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="connection">The connection.</param>
    /// <returns>The EdgeKit builder.</returns>
    /// <exception cref="InvalidOperationException">A different Redis connection was already added for rate limiting.</exception>
    public static IEdgeKitBuilder AddRedisRateLimiting(this IEdgeKitBuilder builder, IConnectionMultiplexer connection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connection);
        return AddConnection(builder, connection, _ => new RedisConnection(connection));
    }

    /// <summary>
    /// Registers a named policy (its options validated when the host starts, every problem at once). Calling it again
    /// for the same name adds to that policy's configuration. <see cref="RedisRateLimiterOptions.PolicyName"/> is the name.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The policy's name (case-sensitive); part of its Redis keys.</param>
    /// <param name="configure">Sets the limit and behaviour.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddRedisRateLimitPolicy(this IEdgeKitBuilder builder, string name, Action<RedisRateLimiterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddPolicy(builder, name).Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers a named policy bound from a configuration section (<c>PermitLimit</c>, <c>Window</c>, <c>Burst</c>,
    /// <c>Timeout</c>, <c>FailureMode</c>, ...), validated when the host starts.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The policy's name (case-sensitive); part of its Redis keys.</param>
    /// <param name="section">The section holding the policy's options.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddRedisRateLimitPolicy(this IEdgeKitBuilder builder, string name, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        AddPolicy(builder, name);
        StrictBinding.Add<RedisRateLimiterOptions>(builder.Services, name, section, RedisSettingsShapes.RedisRateLimiterOptions, (c, o) => c.Bind(o));
        return builder;
    }

    private static OptionsBuilder<RedisRateLimiterOptions> AddPolicy(IEdgeKitBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisRateLimiterOptions>, RedisRateLimiterOptionsValidator>());
        builder.Services.Configure<RedisRateLimitPolicies>(policies => policies.Names.Add(name));
        return builder.Services.AddOptions<RedisRateLimiterOptions>(name)
            .Configure(options => options.PolicyName = name)
            .PostConfigure(options => options.PolicyName = name)
            .ValidateOnStart();
    }

    private static IEdgeKitBuilder AddConnection(IEdgeKitBuilder builder, object source, Func<IServiceProvider, RedisConnection> create)
    {
        var services = builder.Services;
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(RedisConnectionSource));
        if (existing?.ImplementationInstance is RedisConnectionSource registered)
        {
            if (!Equals(registered.Source, source))
            {
                throw new InvalidOperationException(
                    "AddRedisRateLimiting was already called with a different Redis connection; EdgeKit's Redis rate limiter uses one connection. Call it once.");
            }

            return builder;
        }

        services.AddSingleton(new RedisConnectionSource(source));
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RedisRateLimitPolicies>();
        services.TryAddSingleton(create);
        // The "redis" store for gateway rate-limit policies ("Store": "redis").
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRateLimiterStore, RedisRateLimiterStore>());
        services.TryAddSingleton(sp => new RedisRateLimiterFactory(
            sp.GetRequiredService<RedisConnection>(),
            sp.GetRequiredService<IOptionsMonitor<RedisRateLimiterOptions>>(),
            sp.GetRequiredService<IOptions<RedisRateLimitPolicies>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        return builder;
    }

    /// <summary>Remembers what the connection was made from, so a second, different registration is caught.</summary>
    private sealed record RedisConnectionSource(object Source);
}
