namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>
/// Which of the caller's claims reach the backend, as which request headers, and what happens to the caller's
/// token. Every header named here is removed from what the client sent, always, in any spelling a CGI, WSGI or PHP
/// backend would read as the same (case ignored, <c>-</c> and <c>_</c> alike), so a client cannot forge it. In the
/// gateway, the names of every profile are removed on every route, with identity forwarding or without.
/// </summary>
public sealed class IdentityForwardingOptions
{
    /// <summary>
    /// Request headers to set, each from a claim type, for example <c>"X-User-Id": "sub"</c>,
    /// <c>"X-Client-Id": "client_id"</c>, <c>"X-Scopes": "scope"</c>. Several values of a claim are joined by commas.
    /// </summary>
    public IDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Other incoming headers to remove before forwarding, for example the API key's <c>X-Api-Key</c>. Default none.</summary>
    public IList<string> StripHeaders { get; set; } = [];

    /// <summary>Whether the caller's <c>Authorization</c> header is removed (default) or relayed.</summary>
    public TokenForwarding Token { get; set; } = TokenForwarding.Strip;
}
