using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Http;

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

    // Every control character but HTAB: NUL, 0x01-0x08, LF, 0x0B-0x1F (CR among them) and DEL.
    private static readonly SearchValues<char> s_controlCharacters = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\n\u000B\u000C\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    /// <summary>
    /// Whether a header value carries a control character other than HTAB (RFC 9110 §5.5: CR, LF and NUL could split or
    /// smuggle headers; the others are invalid and may be misread downstream): such values are dropped, in both
    /// directions. One vectorized scan, no allocation.
    /// </summary>
    public static bool IsUnsafeValue(string? value) => value is not null && value.AsSpan().IndexOfAny(s_controlCharacters) >= 0;

    /// <summary>
    /// The connection-specific fields an HTTP/2 or HTTP/3 request must not carry (RFC 9113 §8.2.2, RFC 9114 §4.2), which
    /// Kestrel accepts (it refuses <c>Connection</c> and a <c>TE</c> other than <c>trailers</c> itself); <see langword="null"/> when there is none.
    /// </summary>
    public static string? FindConnectionSpecificField(Microsoft.AspNetCore.Http.IHeaderDictionary headers)
    {
        if (headers.ContainsKey(HeaderNames.KeepAlive))
        {
            return HeaderNames.KeepAlive;
        }

        if (headers.ContainsKey(HeaderNames.ProxyConnection))
        {
            return HeaderNames.ProxyConnection;
        }

        if (headers.ContainsKey(HeaderNames.TransferEncoding))
        {
            return HeaderNames.TransferEncoding;
        }

        if (headers.ContainsKey(HeaderNames.Upgrade))
        {
            return HeaderNames.Upgrade;
        }

        var te = headers.TE;
        if (te.Count > 0 && !(te.Count == 1 && string.Equals(te.ToString().Trim(), "trailers", StringComparison.OrdinalIgnoreCase)))
        {
            return HeaderNames.TE;
        }

        return null;
    }

    /// <summary>Whether a <c>TE</c> header asks for trailers (the only value forwarded, and only to HTTP/2 backends).</summary>
    public static bool AsksForTrailers(string? te) => IsListedIn("trailers", te);

    /// <summary>Whether a header belongs on <see cref="HttpContent.Headers"/> rather than the request's own headers.</summary>
    public static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Expires, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Allow, StringComparison.OrdinalIgnoreCase);
}
