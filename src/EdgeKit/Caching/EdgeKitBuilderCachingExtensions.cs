using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>HTTP cache policies and their store on an <see cref="IEdgeKitBuilder"/>.</summary>
public static class EdgeKitBuilderCachingExtensions
{
    /// <summary>The keys of the caching section: <c>Policies:&lt;name&gt;</c> and <c>Memory</c>.</summary>
    internal static readonly SettingsObject CachingSection = new("Caching", () =>
    [
        new("Policies", SettingShape.Dictionary(SettingShape.Of(EdgeKitSettingsShapes.HttpCacheOptions))),
        new("Memory", SettingShape.Of(EdgeKitSettingsShapes.MemoryHttpCacheStoreOptions)),
    ]);

    /// <summary>
    /// Adds the HTTP cache services: named cache policies (used by gateway routes and by
    /// <c>AddEdgeKitCaching(policyName)</c> on an HttpClient) over one store, by default a
    /// <see cref="MemoryHttpCacheStore"/> of 64 MiB. Calling it again is harmless.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddCaching(this IEdgeKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<HttpCachePolicyNames>();
        services.AddOptions<MemoryHttpCacheStoreOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpCacheOptions>, HttpCacheOptionsValidator>());
        services.TryAddSingleton<IHttpCacheStore>(sp => new MemoryHttpCacheStore(
            sp.GetRequiredService<IOptions<MemoryHttpCacheStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new HttpCacheRegistry(
            sp.GetRequiredService<IOptionsMonitor<HttpCacheOptions>>(),
            sp.GetRequiredService<IOptions<HttpCachePolicyNames>>(),
            sp.GetRequiredService<IHttpCacheStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return builder;
    }

    /// <summary>
    /// Adds the HTTP cache services and the policies of a configuration section, usually <c>EdgeKit:Caching</c>:
    /// <c>Policies:&lt;name&gt;</c> binds a policy's <see cref="HttpCacheOptions"/> (values reload; the set of names is
    /// read once), and <c>Memory:SizeLimit</c> bounds the default in-memory store.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">The caching section.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddCaching(this IEdgeKitBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddCaching();
        StrictBinding.AddSection(builder.Services, section, CachingSection);
        StrictBinding.Add<MemoryHttpCacheStoreOptions>(builder.Services, null, section.GetSection("Memory"), EdgeKitSettingsShapes.MemoryHttpCacheStoreOptions, (c, o) => c.Bind(o));
        foreach (var policy in section.GetSection("Policies").GetChildren())
        {
            if (StrictBinding.Add<HttpCacheOptions>(builder.Services, HttpCacheRegistry.OptionsName(policy.Key), policy, EdgeKitSettingsShapes.HttpCacheOptions, (c, o) => c.Bind(o)))
            {
                AddPolicyName(builder.Services, policy.Key);
            }
        }

        return builder;
    }

    /// <summary>
    /// Defines (or adds to) the cache policy <paramref name="name"/> in code; applied after configuration binding.
    /// Its options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The policy's name, as routes and clients refer to it (case-insensitive).</param>
    /// <param name="configure">Sets the policy's options.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddCachePolicy(this IEdgeKitBuilder builder, string name, Action<HttpCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.AddCaching();
        AddPolicyName(builder.Services, name);
        if (configure is not null)
        {
            builder.Services.PostConfigure(HttpCacheRegistry.OptionsName(name), configure);
        }

        return builder;
    }

    /// <summary>
    /// Keeps cache entries in the application's <see cref="IDistributedCache"/> (register one, e.g. with
    /// <c>AddStackExchangeRedisCache</c>) so that instances share them.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="keyPrefix">Prepended to every key (default <c>edgekit:http:</c>).</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder UseDistributedCacheStore(this IEdgeKitBuilder builder, string keyPrefix = DistributedHttpCacheStore.DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        builder.AddCaching();
        builder.Services.Replace(ServiceDescriptor.Singleton<IHttpCacheStore>(sp =>
            new DistributedHttpCacheStore(sp.GetRequiredService<IDistributedCache>(), keyPrefix)));
        return builder;
    }

    /// <summary>
    /// Keeps cache entries in the application's <see cref="HybridCache"/> (register one with <c>AddHybridCache</c>;
    /// with a distributed cache registered too, instances share entries).
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="keyPrefix">Prepended to every key (default <c>edgekit:http:</c>).</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder UseHybridCacheStore(this IEdgeKitBuilder builder, string keyPrefix = DistributedHttpCacheStore.DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        builder.AddCaching();
        builder.Services.Replace(ServiceDescriptor.Singleton<IHttpCacheStore>(sp =>
            new HybridHttpCacheStore(sp.GetRequiredService<HybridCache>(), keyPrefix)));
        return builder;
    }

    private static void AddPolicyName(IServiceCollection services, string name)
    {
        services.Configure<HttpCachePolicyNames>(n => n.Names.Add(name));
        services.AddOptions<HttpCacheOptions>(HttpCacheRegistry.OptionsName(name)).ValidateOnStart();
    }
}
