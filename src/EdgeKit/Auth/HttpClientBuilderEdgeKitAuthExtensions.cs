using EdgeKit.Auth;
using EdgeKit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Outgoing credentials for <see cref="IHttpClientBuilder"/>: an API key, OAuth 2.0 client-credentials tokens, HMAC request signing.</summary>
public static class HttpClientBuilderEdgeKitAuthExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> that token requests are sent with; configure it to add a proxy or certificates.</summary>
    public const string TokenEndpointClientName = "EdgeKit.TokenEndpoint";

    /// <summary>
    /// Attaches an API key header to every request of the client, replacing any value the request had. Calling it
    /// again for the same client adds no second handler; each call's <paramref name="configure"/> applies, in order.
    /// The options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Sets the key and, optionally, the header name.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitApiKey(this IHttpClientBuilder builder, Action<ApiKeyCredentialOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddApiKeyCore(builder).Configure(configure);
        return builder;
    }

    /// <summary>Attaches an API key header to every request of the client, with <see cref="ApiKeyCredentialOptions"/> bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="section">Holds <c>Key</c> and, optionally, <c>HeaderName</c>.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitApiKey(this IHttpClientBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddApiKeyCore(builder);
        StrictBinding.Add<ApiKeyCredentialOptions>(builder.Services, builder.Name, section, EdgeKitSettingsShapes.ApiKeyCredentialOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>
    /// Attaches an OAuth 2.0 client-credentials access token (<c>Authorization: Bearer</c>) to every request of the
    /// client. The token is requested from <see cref="ClientCredentialsOptions.TokenEndpoint"/> when first needed,
    /// cached until <see cref="ClientCredentialsOptions.RefreshBeforeExpiry"/> before it expires, and refreshed by
    /// one request however many calls run at once. Calling it again for the same client adds no second handler.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Sets the token endpoint, client id, secret and scope.</param>
    /// <returns>The HttpClient builder.</returns>
    /// <remarks>A request fails with <see cref="ClientCredentialsTokenException"/> when no token can be obtained.</remarks>
    public static IHttpClientBuilder AddEdgeKitClientCredentials(this IHttpClientBuilder builder, Action<ClientCredentialsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddClientCredentialsCore(builder).Configure(configure);
        return builder;
    }

    /// <summary>Attaches client-credentials access tokens to every request of the client, with <see cref="ClientCredentialsOptions"/> bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="section">Holds <c>TokenEndpoint</c>, <c>ClientId</c>, <c>ClientSecret</c>, <c>Scope</c>, ...</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitClientCredentials(this IHttpClientBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddClientCredentialsCore(builder);
        StrictBinding.Add<ClientCredentialsOptions>(builder.Services, builder.Name, section, EdgeKitSettingsShapes.ClientCredentialsOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>
    /// Signs every request of the client with <see cref="HmacSignature"/> (the gateway's <c>AddEdgeKitHmac</c>
    /// scheme verifies it). The body is buffered to compute its digest. Calling it again adds no second handler.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Sets the key id, the secret and any extra signed headers.</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitHmacSigning(this IHttpClientBuilder builder, Action<HmacSigningOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        string name = builder.Name;
        var options = services.AddOptions<HmacSigningOptions>(name).Configure(configure);
        if (AddMarker(services, "hmac", name))
        {
            builder.AddHttpMessageHandler(sp => new HmacSigningHandler(
                sp.GetRequiredService<IOptionsMonitor<HmacSigningOptions>>().Get(name), sp.GetService<TimeProvider>()));
        }

        return builder;
    }

    private static OptionsBuilder<ApiKeyCredentialOptions> AddApiKeyCore(IHttpClientBuilder builder)
    {
        var services = builder.Services;
        string name = builder.Name;
        var options = services.AddOptions<ApiKeyCredentialOptions>(name);
        if (AddMarker(services, "api-key", name))
        {
            options.Validate(o =>
            {
                try
                {
                    ApiKeyCredentialHandler.Validate(o);
                    return true;
                }
                catch (ArgumentException)
                {
                    return false;
                }
            }, $"The API key credentials of HttpClient '{name}' need a Key (visible ASCII) and a valid HeaderName.").ValidateOnStart();
            builder.AddHttpMessageHandler(sp => new ApiKeyCredentialHandler(sp.GetRequiredService<IOptionsMonitor<ApiKeyCredentialOptions>>().Get(name)));
        }

        return options;
    }

    private static OptionsBuilder<ClientCredentialsOptions> AddClientCredentialsCore(IHttpClientBuilder builder)
    {
        var services = builder.Services;
        string name = builder.Name;
        var options = services.AddOptions<ClientCredentialsOptions>(name);
        if (AddMarker(services, "client-credentials", name))
        {
            services.AddHttpClient(TokenEndpointClientName);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClientCredentialsOptions>, ClientCredentialsOptionsValidator>());
            options.ValidateOnStart();
            services.TryAddKeyedSingleton(name, (sp, _) => new ClientCredentialsTokenSource(
                name,
                sp.GetRequiredService<IOptionsMonitor<ClientCredentialsOptions>>().Get(name),
                () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(TokenEndpointClientName),
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("EdgeKit.Auth.ClientCredentials")));
            builder.AddHttpMessageHandler(sp => new ClientCredentialsHandler(sp.GetRequiredKeyedService<ClientCredentialsTokenSource>(name)));
        }

        return options;
    }

    private static bool AddMarker(IServiceCollection services, string feature, string name)
    {
        if (services.Any(d => d.ServiceType == typeof(AuthClientMarker) && d.ImplementationInstance is AuthClientMarker m && m.Feature == feature && m.Name == name))
        {
            return false;
        }

        services.AddSingleton(new AuthClientMarker(feature, name));
        return true;
    }

    /// <summary>Marks a client that already has one of these handlers, so that a second call adds no second handler.</summary>
    private sealed record AuthClientMarker(string Feature, string Name);

    private sealed class ClientCredentialsOptionsValidator : IValidateOptions<ClientCredentialsOptions>
    {
        public ValidateOptionsResult Validate(string? name, ClientCredentialsOptions options)
        {
            var errors = ClientCredentialsTokenSource.Validate(options);
            return errors.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(errors.Select(e => $"HttpClient '{name}': {e}"));
        }
    }
}
