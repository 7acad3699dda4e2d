using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>EdgeKit's destination-aware resilience for <see cref="IHttpClientBuilder"/>.</summary>
public static class HttpClientBuilderEdgeKitResilienceExtensions
{
    /// <summary>
    /// Adds EdgeKit's resilience to a client balanced by <c>AddEdgeKitBalancing</c>: per-attempt and total timeouts,
    /// retries of idempotent requests on connection failures, resets, timeouts and retryable statuses (each retry
    /// picks another destination; backoff with jitter; <c>Retry-After</c> honoured; a per-cluster retry budget), and
    /// optional hedging. Attempt timeouts count against their destination, feeding outlier detection, the
    /// per-destination circuit breaker.
    /// </summary>
    /// <remarks>
    /// <para>The order of <c>AddEdgeKitBalancing</c> and <c>AddEdgeKitResilience</c> does not matter: the resilience
    /// handler is always placed directly in front of the balancing handler. Handlers added before either call run once
    /// per request, outside both; handlers added after <c>AddEdgeKitBalancing</c> run once per attempt, after the
    /// destination is picked.</para>
    /// <para>Do not add Microsoft.Extensions.Http.Resilience's standard resilience or hedging handler to the same
    /// client: its retries would multiply EdgeKit's. See docs/resilience.md for which to use when.</para>
    /// <para>Calling it again for the same client adds no second handler; each call's <paramref name="configure"/>
    /// applies, in order. The options are validated when the host starts (every problem at once) and when a client is created.</para>
    /// </remarks>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Changes the defaults of <see cref="EdgeKitResilienceOptions"/>; optional.</param>
    /// <returns>The HttpClient builder.</returns>
    /// <exception cref="InvalidOperationException">When a client is created and it has no <c>AddEdgeKitBalancing</c>, or has it twice.</exception>
    public static IHttpClientBuilder AddEdgeKitResilience(this IHttpClientBuilder builder, Action<EdgeKitResilienceOptions>? configure = null)
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
    /// Adds EdgeKit's resilience to a client balanced by <c>AddEdgeKitBalancing</c>, with settings bound from
    /// <paramref name="section"/> (for example <c>"MaxRetryAttempts": 3, "AttemptTimeout": "00:00:02"</c>). See
    /// <see cref="AddEdgeKitResilience(IHttpClientBuilder, Action{EdgeKitResilienceOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="section">The configuration section that holds <see cref="EdgeKitResilienceOptions"/>.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitResilience(this IHttpClientBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        StrictBinding.Add<EdgeKitResilienceOptions>(builder.Services, builder.Name, section, EdgeKitSettingsShapes.EdgeKitResilienceOptions, (c, o) => c.Bind(o));
        return builder;
    }

    private static OptionsBuilder<EdgeKitResilienceOptions> AddCore(IHttpClientBuilder builder)
    {
        var services = builder.Services;
        services.AddEdgeKit();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeKitResilienceOptions>, EdgeKitResilienceOptionsValidator>());
        var options = services.AddOptions<EdgeKitResilienceOptions>(builder.Name);
        string name = builder.Name;
        if (!services.Any(d => d.ServiceType == typeof(ResilientClient) && !d.IsKeyedService && d.ImplementationInstance is ResilientClient client && client.Name == name))
        {
            services.AddSingleton(new ResilientClient(name));
            options.ValidateOnStart();
            // PostConfigure: runs after every handler the client's Configure actions add, whatever the order of the calls.
            services.PostConfigure<HttpClientFactoryOptions>(name, factory =>
                factory.HttpMessageHandlerBuilderActions.Add(handlers => InsertInFrontOfBalancer(handlers, name)));
        }

        return options;
    }

    private static void InsertInFrontOfBalancer(HttpMessageHandlerBuilder builder, string clientName)
    {
        var handlers = builder.AdditionalHandlers;
        int index = -1;
        for (int i = 0; i < handlers.Count; i++)
        {
            if (handlers[i] is BalancingHandler)
            {
                if (index >= 0)
                {
                    throw new InvalidOperationException(
                        $"The HttpClient '{clientName}' has two EdgeKit balancing handlers; call AddEdgeKitBalancing once per client.");
                }

                index = i;
            }
        }

        if (index < 0)
        {
            throw new InvalidOperationException(
                $"The HttpClient '{clientName}' calls AddEdgeKitResilience() without AddEdgeKitBalancing(\"<cluster>\"). EdgeKit's resilience retries "
                + "by picking another destination of a cluster, so it needs the balancing handler. For a client without EdgeKit balancing, use Microsoft.Extensions.Http.Resilience.");
        }

        var balancing = (BalancingHandler)handlers[index];
        var options = builder.Services.GetRequiredService<IOptionsMonitor<EdgeKitResilienceOptions>>().Get(clientName);
        handlers.Insert(index, new EdgeKitResilienceHandler(balancing, options, setInnerHandler: false));
    }

    /// <summary>Marks a client that has EdgeKit's resilience, so that a second call adds no second handler.</summary>
    private sealed class ResilientClient(string name)
    {
        public string Name { get; } = name;
    }
}
