using System.Globalization;
using System.Net;
using EdgeKit.AspNetCore.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>
/// Finds a request's client address: the connection's, unless it comes from a trusted proxy; then the
/// <c>X-Forwarded-For</c> entries are read from the right (the ones trusted proxies appended) and the first address that
/// is not itself a trusted proxy is the client. Entries to the left of it were written by the client and are ignored,
/// so a client cannot choose its own key by sending the header.
/// </summary>
internal sealed class ClientIpResolver
{
    private readonly TrustedProxies _proxies;
    private readonly string _header;

    /// <param name="proxies">The proxies whose <paramref name="header"/> is believed.</param>
    /// <param name="header">The header they write the client's address to (<c>X-Forwarded-For</c>).</param>
    public ClientIpResolver(TrustedProxies proxies, string header)
    {
        _proxies = proxies;
        _header = header;
    }

    public bool TrustsAnyProxy => !_proxies.IsEmpty;

    public IPAddress? Resolve(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return null;
        }

        remote = Normalize(remote);
        if (!TrustsAnyProxy || !_proxies.Contains(remote))
        {
            return remote;
        }

        StringValues values = context.Request.Headers[_header];
        var client = remote;
        for (int v = values.Count - 1; v >= 0; v--)
        {
            ReadOnlySpan<char> line = values[v];
            while (!line.IsEmpty)
            {
                int comma = line.LastIndexOf(',');
                var entry = line[(comma + 1)..].Trim();
                line = comma < 0 ? [] : line[..comma];
                if (!TryParse(entry, out var address))
                {
                    return client; // garbage from a trusted hop: stop at the last address known good
                }

                client = address;
                if (!_proxies.Contains(address))
                {
                    return address;
                }
            }
        }

        return client;
    }

    internal static bool TryParse(ReadOnlySpan<char> entry, out IPAddress address)
    {
        if (IPAddress.TryParse(entry, out address!))
        {
            address = Normalize(address);
            return true;
        }

        // "1.2.3.4:5678" or "[2001:db8::1]:443"
        if (entry.StartsWith('['))
        {
            int end = entry.IndexOf(']');
            if (end > 0 && IPAddress.TryParse(entry[1..end], out address!))
            {
                address = Normalize(address);
                return true;
            }
        }
        else
        {
            int colon = entry.IndexOf(':');
            if (colon > 0 && entry.LastIndexOf(':') == colon
                && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                && IPAddress.TryParse(entry[..colon], out address!))
            {
                address = Normalize(address);
                return true;
            }
        }

        address = IPAddress.None;
        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
