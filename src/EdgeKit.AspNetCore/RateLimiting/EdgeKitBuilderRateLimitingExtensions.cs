using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>EdgeKit's rate limiting for ASP.NET Core apps: named policies usable with <c>RequireRateLimiting(name)</c>.</summary>
public static class EdgeKitBuilderRateLimitingExtensions
{
    /// <summary>
    /// Adds EdgeKit's rate limiting with settings bound from <paramref name="section"/> (typically
    /// <c>EdgeKit:RateLimiting</c>): every policy under <c>Policies:&lt;name&gt;</c> becomes an ASP.NET Core rate-limiter
    /// policy of that name, so an endpoint opts in with <c>RequireRateLimiting("&lt;name&gt;")</c> (the app also calls
    /// <c>app.UseRateLimiter()</c>); a gateway route naming one in <c>RateLimiterPolicy</c> applies it itself, without
    /// the middleware. Rejections answer 429 with <c>Retry-After</c> and a problem+json body of type
    /// quota-exceeded; limited responses carry <c>RateLimit-Policy</c> and <c>RateLimit</c>.
    /// </summary>
    /// <remarks>Policies are read once, when the gateway's endpoints or the rate-limiting middleware are first built; the options are validated when the host starts (every problem at once).</remarks>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">The <c>EdgeKit:RateLimiting</c> section.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddRateLimiting(this IEdgeKitBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        StrictBinding.Add<EdgeKitRateLimitingOptions>(builder.Services, null, section, AspNetCoreSettingsShapes.EdgeKitRateLimitingOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>Adds EdgeKit's rate limiting configured in code. See <see cref="AddRateLimiting(IEdgeKitBuilder, IConfigurationSection)"/>.</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">Changes the settings; optional.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddRateLimiting(this IEdgeKitBuilder builder, Action<EdgeKitRateLimitingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddCore(builder);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Adds (or changes) the policy <paramref name="name"/> in code; it may also come from configuration, in which case
    /// <paramref name="configure"/> runs after binding.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The policy's name, as given to <c>RequireRateLimiting</c>.</param>
    /// <param name="configure">Sets the policy's limits and partition, for example
    /// <c>p => p.AddLimit(100, TimeSpan.FromMinutes(1)).Partition.Kind = RateLimitPartitionKind.ApiKey</c>.</param>
    /// <returns>The EdgeKit builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static IEdgeKitBuilder AddRateLimitPolicy(this IEdgeKitBuilder builder, string name, Action<EdgeKitRateLimitPolicyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder).Configure(options =>
        {
            if (!options.Policies.TryGetValue(name, out var policy) || policy is null)
            {
                policy = new EdgeKitRateLimitPolicyOptions();
                options.Policies[name] = policy;
            }

            configure(policy);
        });
        return builder;
    }

    private static OptionsBuilder<EdgeKitRateLimitingOptions> AddCore(IEdgeKitBuilder builder)
    {
        var services = builder.Services;
        var options = services.AddOptions<EdgeKitRateLimitingOptions>();
        if (!services.Any(d => d.ServiceType == typeof(EdgeKitRateLimitPolicies)))
        {
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeKitRateLimitingOptions>, EdgeKitRateLimitingOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IRateLimiterStore, LocalRateLimiterStore>());
            services.AddSingleton<EdgeKitRateLimitPolicies>();
            options.ValidateOnStart();
            services.AddRateLimiter(_ => { });
            services.AddOptions<RateLimiterOptions>().Configure<EdgeKitRateLimitPolicies>((limiter, policies) => policies.AddTo(limiter));
        }

        return options;
    }
}
