using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Rate limits for <see cref="IHttpClientBuilder"/>: the client's own, and honouring its servers'.</summary>
public static class HttpClientBuilderEdgeKitRateLimitingExtensions
{
    /// <summary>
    /// Limits this client's requests with an EdgeKit token bucket (one limiter shared by every instance of the named
    /// client): a request without a permit waits in the queue, if <see cref="OutgoingRateLimitOptions.QueueLimit"/>
    /// allows, or fails with <see cref="RateLimitRejectedException"/> without being sent.
    /// </summary>
    /// <remarks>Call it before <c>AddEdgeKitBalancing</c> so that it counts requests, not attempts. The options are validated when the host starts.</remarks>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Sets the limits, for example <c>o => o.Limits.Add(new(100, TimeSpan.FromSeconds(1)))</c>.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitRateLimiting(this IHttpClientBuilder builder, Action<OutgoingRateLimitOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddOutgoingCore(builder).Configure(configure);
        return builder;
    }

    /// <summary>Limits this client's requests with settings bound from <paramref name="section"/> (<c>Limits</c>, <c>QueueLimit</c>). See <see cref="AddEdgeKitRateLimiting(IHttpClientBuilder, Action{OutgoingRateLimitOptions})"/>.</summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="section">The section holding <see cref="OutgoingRateLimitOptions"/>.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitRateLimiting(this IHttpClientBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddOutgoingCore(builder);
        StrictBinding.Add<OutgoingRateLimitOptions>(builder.Services, builder.Name, section, EdgeKitSettingsShapes.OutgoingRateLimitOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>
    /// Limits this client's requests with <paramref name="limiter"/> (any <see cref="RateLimiter"/>; the caller owns
    /// it and disposes it). A request without a permit fails with <see cref="RateLimitRejectedException"/>.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="limiter">The limiter.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitRateLimiting(this IHttpClientBuilder builder, RateLimiter limiter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(limiter);
        string name = builder.Name;
        builder.AddHttpMessageHandler(() => new OutgoingRateLimitHandler(limiter, name));
        return builder;
    }

    /// <summary>
    /// Honours the rate limits this client's servers announce: after a 429 or 503 with <c>Retry-After</c>, or a
    /// <c>RateLimit</c> field saying nothing remains, requests to that server wait until the time given (or fail fast,
    /// per <see cref="ServerRateLimitOptions.Behavior"/>) instead of reaching it; optionally, a low remaining quota
    /// spaces requests out (<see cref="ServerRateLimitOptions.SlowdownBelowRemaining"/>).
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Changes the defaults; optional.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitServerRateLimits(this IHttpClientBuilder builder, Action<ServerRateLimitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServerRateLimitStates>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerRateLimitOptions>, ServerRateLimitOptionsValidator>());
        var options = services.AddOptions<ServerRateLimitOptions>(builder.Name).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        string name = builder.Name;
        builder.AddHttpMessageHandler(sp => new ServerRateLimitHandler(
            sp.GetRequiredService<ServerRateLimitStates>().For(name),
            sp.GetRequiredService<IOptionsMonitor<ServerRateLimitOptions>>().Get(name),
            sp.GetRequiredService<TimeProvider>(),
            name));
        return builder;
    }

    private static OptionsBuilder<OutgoingRateLimitOptions> AddOutgoingCore(IHttpClientBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutgoingRateLimiters>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutgoingRateLimitOptions>, OutgoingRateLimitOptionsValidator>());
        string name = builder.Name;
        var options = services.AddOptions<OutgoingRateLimitOptions>(name);
        if (!services.Any(d => d.ServiceType == typeof(OutgoingRateLimitedClient) && d.ImplementationInstance is OutgoingRateLimitedClient c && c.Name == name))
        {
            services.AddSingleton(new OutgoingRateLimitedClient(name));
            options.ValidateOnStart();
            builder.AddHttpMessageHandler(sp => new OutgoingRateLimitHandler(sp.GetRequiredService<OutgoingRateLimiters>().For(name), name));
        }

        return options;
    }

    /// <summary>Marks a client that has its outgoing limiter, so a second call adds no second handler.</summary>
    private sealed record OutgoingRateLimitedClient(string Name);
}
