using EdgeKit.AspNetCore.Authentication;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>EdgeKit's authentication schemes for ASP.NET Core's <see cref="AuthenticationBuilder"/>: JWT presets, API keys, HMAC request signing.</summary>
public static class AuthenticationBuilderEdgeKitExtensions
{
    /// <summary>
    /// Adds ASP.NET's JwtBearer scheme configured by EdgeKit's preset (<see cref="EdgeKitJwtOptions"/>): audiences and
    /// issuers required, asymmetric algorithms only unless configured, <c>none</c> never, bounded clock skew and token
    /// size, and discovery or JWKS keys cached with rotation (an unknown <c>kid</c> refreshes at most once per
    /// <see cref="EdgeKitJwtOptions.RefreshInterval"/>). The options are validated when the host starts (every problem at once).
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme's name. Default <c>Bearer</c>.</param>
    /// <param name="configure">Sets the preset's options.</param>
    /// <returns>The authentication builder.</returns>
    /// <remarks>
    /// Further <c>JwtBearerOptions</c> may be configured for the same scheme name after this call; they apply on top.
    /// The preset is read once, when the scheme is first used: changing it needs a restart (keys rotate without one).
    /// </remarks>
    public static AuthenticationBuilder AddEdgeKitJwt(this AuthenticationBuilder builder, string authenticationScheme, Action<EdgeKitJwtOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddJwtCore(builder, authenticationScheme).Configure(configure);
        return builder;
    }

    /// <summary>Adds EdgeKit's JWT preset under the <c>Bearer</c> scheme. See <see cref="AddEdgeKitJwt(AuthenticationBuilder, string, Action{EdgeKitJwtOptions})"/>.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configure">Sets the preset's options.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddEdgeKitJwt(this AuthenticationBuilder builder, Action<EdgeKitJwtOptions> configure) =>
        builder.AddEdgeKitJwt(EdgeKitAuthenticationSchemes.Jwt, configure);

    /// <summary>
    /// Adds EdgeKit's JWT preset with <see cref="EdgeKitJwtOptions"/> bound from <paramref name="section"/> (for example
    /// <c>EdgeKit:Authentication:Jwt</c>). See <see cref="AddEdgeKitJwt(AuthenticationBuilder, string, Action{EdgeKitJwtOptions})"/>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="authenticationScheme">The scheme's name. Default <c>Bearer</c>.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddEdgeKitJwt(this AuthenticationBuilder builder, IConfigurationSection section, string authenticationScheme = EdgeKitAuthenticationSchemes.Jwt)
    {
        ArgumentNullException.ThrowIfNull(section);
        AddJwtCore(builder, authenticationScheme);
        StrictBinding.Add<EdgeKitJwtOptions>(builder.Services, authenticationScheme, section, AspNetCoreSettingsShapes.EdgeKitJwtOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>
    /// Adds EdgeKit's API key scheme: the key is read from <see cref="ApiKeyAuthenticationOptions.HeaderName"/> (and the
    /// query only if enabled), hashed with SHA-256 and compared in constant time with the configured hashes, then with
    /// the registered <c>IApiKeyStore</c>, if any. Each key yields the claims <c>client_id</c>, <c>scope</c> (one per
    /// scope), roles and <c>edgekit:tier</c>. Keys bound from configuration reload without a restart.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme's name. Default <c>ApiKey</c>.</param>
    /// <param name="configure">Sets the options; optional.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddEdgeKitApiKeys(this AuthenticationBuilder builder, string authenticationScheme = EdgeKitAuthenticationSchemes.ApiKey, Action<ApiKeyAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(authenticationScheme);
        AddStartupCheck(builder.Services, new EdgeKitSchemeMarker(authenticationScheme, EdgeKitSchemeKind.ApiKey));
        return builder.AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(authenticationScheme, configure);
    }

    /// <summary>Adds EdgeKit's API key scheme with its options bound from <paramref name="section"/>, reloaded when it changes.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="section">The section (for example <c>EdgeKit:Authentication:ApiKeys</c>) holding <c>HeaderName</c>, <c>Keys</c>, ...</param>
    /// <param name="authenticationScheme">The scheme's name. Default <c>ApiKey</c>.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddEdgeKitApiKeys(this AuthenticationBuilder builder, IConfigurationSection section, string authenticationScheme = EdgeKitAuthenticationSchemes.ApiKey)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.AddEdgeKitApiKeys(authenticationScheme);
        StrictBinding.Add<ApiKeyAuthenticationOptions>(builder.Services, authenticationScheme, section, AspNetCoreSettingsShapes.ApiKeyAuthenticationOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>
    /// Adds EdgeKit's HMAC request-signing scheme (<c>EdgeKit.Auth.HmacSignature</c>): signatures over the method,
    /// path, query, signed headers, <c>Date</c> and the body's <c>Content-Digest</c>, within a clock-skew window, with
    /// replayed nonces refused. Only signed requests' bodies are buffered, up to <see cref="HmacAuthenticationOptions.MaxBodySize"/>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme's name. Default <c>EdgeKit-HMAC</c>.</param>
    /// <param name="configure">Sets the options; optional.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddEdgeKitHmac(this AuthenticationBuilder builder, string authenticationScheme = EdgeKitAuthenticationSchemes.Hmac, Action<HmacAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(authenticationScheme);
        builder.Services.TryAddSingleton<HmacNonceCaches>();
        AddStartupCheck(builder.Services, new EdgeKitSchemeMarker(authenticationScheme, EdgeKitSchemeKind.Hmac));
        return builder.AddScheme<HmacAuthenticationOptions, HmacAuthenticationHandler>(authenticationScheme, configure);
    }

    /// <summary>Adds EdgeKit's HMAC scheme with its options bound from <paramref name="section"/>, reloaded when it changes.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="section">The section holding <c>Keys</c>, <c>AllowedClockSkew</c>, ...</param>
    /// <param name="authenticationScheme">The scheme's name. Default <c>EdgeKit-HMAC</c>.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddEdgeKitHmac(this AuthenticationBuilder builder, IConfigurationSection section, string authenticationScheme = EdgeKitAuthenticationSchemes.Hmac)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.AddEdgeKitHmac(authenticationScheme);
        StrictBinding.Add<HmacAuthenticationOptions>(builder.Services, authenticationScheme, section, AspNetCoreSettingsShapes.HmacAuthenticationOptions, (c, o) => c.Bind(o));
        return builder;
    }

    private static OptionsBuilder<EdgeKitJwtOptions> AddJwtCore(AuthenticationBuilder builder, string scheme)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        var services = builder.Services;
        var options = services.AddOptions<EdgeKitJwtOptions>(scheme);
        if (!services.Any(d => d.ServiceType == typeof(EdgeKitJwtScheme) && d.ImplementationInstance is EdgeKitJwtScheme s && s.Name == scheme))
        {
            services.AddSingleton(new EdgeKitJwtScheme(scheme));
            services.AddHttpClient(EdgeKitJwtBearerSetup.MetadataClientName);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeKitJwtOptions>, EdgeKitJwtOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>, EdgeKitJwtBearerSetup>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>, EdgeKitJwtBearerSetup>());
            options.ValidateOnStart();
            builder.AddJwtBearer(scheme, _ => { });
        }

        return options;
    }

    private static void AddStartupCheck(IServiceCollection services, EdgeKitSchemeMarker marker)
    {
        if (!services.Any(d => d.ServiceType == typeof(EdgeKitSchemeMarker) && Equals(d.ImplementationInstance, marker)))
        {
            services.AddSingleton(marker);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuthenticationStartupCheck>());
    }
}
