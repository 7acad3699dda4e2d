using Microsoft.AspNetCore.Authentication;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// Settings of EdgeKit's HMAC request-signing scheme (<see cref="EdgeKit.Auth.HmacSignature"/>): the shared keys, the
/// clock-skew window, the body size limit and the size of the replay cache. Keys reload without a restart.
/// </summary>
public sealed class HmacAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The default <see cref="AllowedClockSkew"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultAllowedClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The default <see cref="MaxBodySize"/>: 1 MiB.</summary>
    public const int DefaultMaxBodySize = 1024 * 1024;

    /// <summary>The default <see cref="NonceCacheCapacity"/>: 100,000.</summary>
    public const int DefaultNonceCacheCapacity = 100_000;

    /// <summary>The signing keys, by key id.</summary>
    public IDictionary<string, HmacKeyOptions> Keys { get; set; } = new Dictionary<string, HmacKeyOptions>(StringComparer.Ordinal);

    /// <summary>
    /// How far a request's <c>Date</c> may be from the gateway's clock, either way. Default 5 minutes. A nonce is
    /// remembered for twice this, so a replay within the window is always caught.
    /// </summary>
    public TimeSpan AllowedClockSkew { get; set; } = DefaultAllowedClockSkew;

    /// <summary>The largest body a signed request may have, in bytes; only signed requests are buffered. Default 1 MiB.</summary>
    public int MaxBodySize { get; set; } = DefaultMaxBodySize;

    /// <summary>
    /// The most nonces remembered at once. When the cache is full of nonces still inside the window, new signed
    /// requests are refused (fail closed) until some expire. Default 100,000; read when the scheme is first used.
    /// </summary>
    public int NonceCacheCapacity { get; set; } = DefaultNonceCacheCapacity;

    /// <summary>Headers every signature must cover besides <c>date</c> and <c>content-digest</c>, for example <c>host</c>. Default none.</summary>
    public IList<string> RequiredSignedHeaders { get; set; } = [];
}
