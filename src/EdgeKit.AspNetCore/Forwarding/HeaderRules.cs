using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>RFC 9110's rules for which headers a proxy forwards.</summary>
internal static class HeaderRules
{
    /// <summary>
    /// Hop-by-hop headers (RFC 9110 §7.6.1), plus the proxy's own credentials and challenges, which are consumed by
    /// the first proxy (§11.7.1–2), and <c>Host</c>, which the outgoing request sets from the destination unless a
    /// transform keeps the client's.
    /// </summary>
    public static bool IsNeverForwardedRequestHeader(string name) => name.Length switch
    {
        2 => name.Equals(HeaderNames.TE, StringComparison.OrdinalIgnoreCase),
        4 => name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase),
        7 => name.Equals(HeaderNames.Upgrade, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.Trailer, StringComparison.OrdinalIgnoreCase),
        10 => name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.KeepAlive, StringComparison.OrdinalIgnoreCase),
        16 => name.Equals(HeaderNames.ProxyConnection, StringComparison.OrdinalIgnoreCase),
        17 => name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase),
        18 => name.Equals(HeaderNames.ProxyAuthenticate, StringComparison.OrdinalIgnoreCase),
        19 => name.Equals(HeaderNames.ProxyAuthorization, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Hop-by-hop response headers (RFC 9110 §7.6.1) and <c>Proxy-Authenticate</c>.</summary>
    public static bool IsNeverForwardedResponseHeader(string name) => name.Length switch
    {
        7 => name.Equals(HeaderNames.Upgrade, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.Trailer, StringComparison.OrdinalIgnoreCase),
        10 => name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.KeepAlive, StringComparison.OrdinalIgnoreCase),
        16 => name.Equals(HeaderNames.ProxyConnection, StringComparison.OrdinalIgnoreCase),
        17 => name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase),
        18 => name.Equals(HeaderNames.ProxyAuthenticate, StringComparison.OrdinalIgnoreCase),
        2 => name.Equals(HeaderNames.TE, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// Whether <paramref name="name"/> is one of the comma-separated tokens of a <c>Connection</c> header
    /// (RFC 9110 §7.6.1: a proxy removes every header the sender listed there). Allocation-free.
    /// </summary>
    public static bool IsListedIn(string name, string? connection)
    {
        if (string.IsNullOrEmpty(connection))
        {
            return false;
        }

        var rest = connection.AsSpan();
        while (!rest.IsEmpty)
        {
            int comma = rest.IndexOf(',');
            var token = (comma < 0 ? rest : rest[..comma]).Trim(" \t");
            if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            rest = comma < 0 ? default : rest[(comma + 1)..];
        }

        return false;
    }

    /// <summary>Whether a header value carries CR, LF or NUL, which could split or smuggle headers (RFC 9110 §5.5): such values are dropped.</summary>
    public static bool IsUnsafeValue(string? value) => value is not null && value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    /// <summary>Whether a <c>TE</c> header asks for trailers (the only value forwarded, and only to HTTP/2 backends).</summary>
    public static bool AsksForTrailers(string? te) => IsListedIn("trailers", te);

    /// <summary>Whether a header belongs on <see cref="HttpContent.Headers"/> rather than the request's own headers.</summary>
    public static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Expires, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Allow, StringComparison.OrdinalIgnoreCase);
}
