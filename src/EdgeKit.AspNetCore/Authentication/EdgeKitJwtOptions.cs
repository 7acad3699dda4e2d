namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// EdgeKit's JWT preset over ASP.NET Core's JwtBearer: where the signing keys come from (OpenID discovery, a JWKS URL
/// or static keys), who may issue tokens and for whom, which algorithms are accepted, how much clock skew is
/// tolerated, and how keys are cached and refreshed. Microsoft.IdentityModel does every cryptographic step.
/// </summary>
/// <remarks>
/// Exactly one key source must be set: <see cref="Authority"/> or <see cref="MetadataAddress"/> (discovery),
/// <see cref="JwksUri"/>, or <see cref="SigningKeys"/>. Discovered keys are cached; a token whose <c>kid</c> is
/// unknown triggers a refresh, at most once per <see cref="RefreshInterval"/>, so that a key rotation is picked up
/// without a restart while a flood of forged <c>kid</c>s cannot hammer the issuer.
/// </remarks>
public sealed class EdgeKitJwtOptions
{
    /// <summary>The default <see cref="ClockSkew"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="RefreshInterval"/>: 5 minutes (Microsoft.IdentityModel's).</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="AutomaticRefreshInterval"/>: 12 hours (Microsoft.IdentityModel's).</summary>
    public static readonly TimeSpan DefaultAutomaticRefreshInterval = TimeSpan.FromHours(12);

    /// <summary>The default <see cref="MaximumTokenSizeInBytes"/>: 16 KiB.</summary>
    public const int DefaultMaximumTokenSizeInBytes = 16 * 1024;

    /// <summary>The default <see cref="ValidAlgorithms"/>: the asymmetric RS, PS and ES families (RFC 7518).</summary>
    public static IReadOnlyList<string> DefaultValidAlgorithms { get; } =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>The issuer's base address; its discovery document is at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The discovery document's full address, when it is not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>A JWKS document's address, for issuers without discovery. <see cref="Issuers"/> is then required.</summary>
    public string? JwksUri { get; set; }

    /// <summary>Static signing keys, for issuers that publish none. <see cref="Issuers"/> is then required.</summary>
    public IList<JwtSigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>
    /// The accepted issuers (<c>iss</c>). Required with <see cref="JwksUri"/> or <see cref="SigningKeys"/>; with
    /// discovery, defaults to the issuer the discovery document names.
    /// </summary>
    public IList<string> Issuers { get; set; } = [];

    /// <summary>The accepted audiences (<c>aud</c>). Required: a token for another API must not be accepted here.</summary>
    public IList<string> Audiences { get; set; } = [];

    /// <summary>
    /// The accepted signature algorithms (<c>alg</c>). Default: RS256-512, PS256-512, ES256-512. <c>none</c> is never
    /// accepted. HS256-512 are accepted only when listed here and <see cref="AllowSymmetricKeys"/> is set, so that a
    /// token signed with HMAC over a public key cannot pass (the HS/RS confusion).
    /// </summary>
    public IList<string> ValidAlgorithms { get; set; } = [.. DefaultValidAlgorithms];

    /// <summary>Whether symmetric (HMAC) signing keys and HS algorithms may be used. Default <see langword="false"/>.</summary>
    public bool AllowSymmetricKeys { get; set; }

    /// <summary>The tolerance applied to <c>exp</c> and <c>nbf</c> for clock differences. Default 30 s; 0 to 5 minutes.</summary>
    public TimeSpan ClockSkew { get; set; } = DefaultClockSkew;

    /// <summary>The longest lifetime (<c>exp</c> minus <c>nbf</c> or <c>iat</c>) a token may have, or <see langword="null"/> (default) for no limit.</summary>
    public TimeSpan? MaxTokenLifetime { get; set; }

    /// <summary>The largest token accepted, in bytes; larger ones are rejected before parsing. Default 16 KiB.</summary>
    public int MaximumTokenSizeInBytes { get; set; } = DefaultMaximumTokenSizeInBytes;

    /// <summary>Whether discovery and JWKS addresses must be <c>https</c>. Default <see langword="true"/>; turn off only for loopback tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// The least time between two key refreshes triggered by tokens with an unknown <c>kid</c>. Default 5 minutes;
    /// at least 1 s (Microsoft.IdentityModel's minimum).
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;

    /// <summary>How often discovered keys are refreshed regardless. Default 12 hours; at least 5 minutes (Microsoft.IdentityModel's minimum).</summary>
    public TimeSpan AutomaticRefreshInterval { get; set; } = DefaultAutomaticRefreshInterval;

    /// <summary>
    /// Whether a refused token's 401 says why: <see langword="false"/> (default) answers every refusal with the same
    /// <c>WWW-Authenticate: Bearer error="invalid_token"</c> and the same problem+json body, so that a caller cannot tell
    /// an unknown key id from a bad signature or learn the expected issuer, audience or expiry; the reason is logged
    /// (event 1300, <c>AuthenticationFailed</c>) and counted (<c>edgekit.auth.failures</c>). <see langword="true"/> adds
    /// an <c>error_description</c> naming the reason, with any value taken from the token sanitised into an RFC 9110
    /// quoted-string. For development only: refused at start when the host environment is <c>Production</c>.
    /// </summary>
    public bool IncludeErrorDetails { get; set; }

    /// <summary>The claim used as the user's name. Default <c>sub</c>.</summary>
    public string NameClaimType { get; set; } = "sub";

    /// <summary>The claim that carries roles. Default <c>roles</c>.</summary>
    public string RoleClaimType { get; set; } = "roles";
}
