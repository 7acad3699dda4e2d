namespace EdgeKit.Configuration;

/// <summary>
/// Settings of the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) that EdgeKit uses to attach bearer tokens to an
/// <see cref="HttpClient"/>'s requests. The token is cached until <see cref="RefreshBeforeExpiry"/> before it expires,
/// and refreshed by one request to the token endpoint however many calls need it at once.
/// </summary>
public sealed class ClientCredentialsOptions
{
    /// <summary>The default <see cref="RefreshBeforeExpiry"/>: 60 s.</summary>
    public static readonly TimeSpan DefaultRefreshBeforeExpiry = TimeSpan.FromSeconds(60);

    /// <summary>The default <see cref="DefaultTokenLifetime"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultDefaultTokenLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="TokenRequestTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultTokenRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The token endpoint's absolute URI. Required; <c>https</c> unless <see cref="RequireHttps"/> is off.</summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>The client id. Required.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client secret. Required. Keep it out of source control.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The scopes to request, space-separated, or <see langword="null"/> for the server's default.</summary>
    public string? Scope { get; set; }

    /// <summary>
    /// How the client authenticates to the token endpoint: <see cref="ClientCredentialStyle.BasicAuthentication"/>
    /// (HTTP Basic, the default and what RFC 6749 §2.3.1 requires servers to support) or
    /// <see cref="ClientCredentialStyle.RequestBody"/> (<c>client_id</c> and <c>client_secret</c> form fields).
    /// </summary>
    public ClientCredentialStyle CredentialStyle { get; set; } = ClientCredentialStyle.BasicAuthentication;

    /// <summary>
    /// How long before its expiry a cached token is refreshed. Default 60 s. A token whose lifetime is shorter than
    /// twice this is refreshed at half its lifetime. While a refresh runs, callers keep using the still-valid token.
    /// </summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = DefaultRefreshBeforeExpiry;

    /// <summary>The lifetime assumed for a token whose response has no <c>expires_in</c>. Default 5 minutes.</summary>
    public TimeSpan DefaultTokenLifetime { get; set; } = DefaultDefaultTokenLifetime;

    /// <summary>How long a token request may take before it fails. Default 10 s.</summary>
    public TimeSpan TokenRequestTimeout { get; set; } = DefaultTokenRequestTimeout;

    /// <summary>Whether <see cref="TokenEndpoint"/> must use <c>https</c>. Default <see langword="true"/>; turn off only for loopback tests.</summary>
    public bool RequireHttps { get; set; } = true;
}
