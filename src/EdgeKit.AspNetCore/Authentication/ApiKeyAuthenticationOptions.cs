using EdgeKit.Auth;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Authentication;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// Settings of EdgeKit's API key scheme: where the key is read from, and the keys (as SHA-256 hashes, see
/// <see cref="ApiKeyHash"/>) with the client, scopes and rate-limit tier each stands for. Bound from configuration,
/// the keys reload without a restart: removing or revoking an entry takes effect on the next request.
/// </summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The default <see cref="HeaderName"/>: <c>X-Api-Key</c>.</summary>
    public const string DefaultHeaderName = ApiKeyCredentialOptions.DefaultHeaderName;

    /// <summary>The request header that carries the key. Default <c>X-Api-Key</c>.</summary>
    public string HeaderName { get; set; } = DefaultHeaderName;

    /// <summary>
    /// The query parameter that may carry the key, or <see langword="null"/> (the default) to read the header only.
    /// Keys in URLs end up in access logs, browser history and referrers: enable only for clients that cannot set headers.
    /// </summary>
    public string? QueryParameterName { get; set; }

    /// <summary>The realm named in the <c>WWW-Authenticate</c> challenge. Default <c>edgekit</c>.</summary>
    public string Realm { get; set; } = "edgekit";

    /// <summary>
    /// The keys, by key id (a name safe to log, such as <c>orders-2025-01</c>). Rotation: add the new key, give the
    /// old one a <see cref="ApiKeyOptions.NotAfter"/>, then remove it. Keys unknown here are looked up in the
    /// registered <see cref="IApiKeyStore"/>, if any.
    /// </summary>
    public IDictionary<string, ApiKeyOptions> Keys { get; set; } = new Dictionary<string, ApiKeyOptions>(StringComparer.Ordinal);

    private ApiKeyTable? _table;

    /// <summary>The lookup table built from <see cref="Keys"/>, once per options instance (a reload builds a new instance).</summary>
    internal ApiKeyTable GetTable(Func<ApiKeyAuthenticationOptions, ApiKeyTable> build) =>
        Volatile.Read(ref _table) ?? Interlocked.CompareExchange(ref _table, build(this), null) ?? _table!;
}
