using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.ServiceDiscovery;

namespace EdgeKit.Destinations;

/// <summary>
/// Turns endpoints resolved by Microsoft.Extensions.ServiceDiscovery into destinations, choosing each one's
/// scheme the way the library's own HttpClient handler does.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A URI endpoint keeps its scheme, host, port and path (its query is ignored, as the library does). With a
/// service name such as <c>https+http://orders</c>, the providers already keep only the https endpoints when
/// there are any, else the http ones.</item>
/// <item>An IP or DNS endpoint (<c>10.0.0.1:8080</c>, <c>orders-1:8080</c>) carries no scheme: it takes the first
/// scheme of the service name (<c>https+http://orders</c> → https, <c>http://orders</c> → http), which must be
/// allowed by <see cref="ServiceDiscoveryOptions.AllowedSchemes"/> when several are given. A service name without a
/// scheme (<c>orders</c>) gives http. A port of 0 means the scheme's default port.</item>
/// </list>
/// A destination's id is the endpoint's text (<c>10.0.0.1:8080</c>, <c>[::1]:5000</c>, <c>orders-1</c>,
/// <c>https://10.0.0.1:8443/</c>), so an endpoint that stays keeps its live state across resolutions.
/// </remarks>
internal static class ServiceEndpointConverter
{
    /// <summary>The text of an endpoint, used as its destination's id.</summary>
    public static string GetId(EndPoint endPoint) => endPoint switch
    {
        UriEndPoint { Uri: var uri } => uri.ToString(),
        IPEndPoint ip => ip.Port > 0 ? ip.ToString() : FormatHost(ip.Address),
        DnsEndPoint dns => dns.Port > 0 ? string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}") : dns.Host,
        _ => endPoint.ToString() ?? endPoint.GetType().Name,
    };

    /// <summary>Converts an endpoint, or says why it cannot be a destination.</summary>
    public static bool TryConvert(
        ServiceEndpoint endpoint,
        ServiceEndpointQuery query,
        ServiceDiscoveryOptions options,
        [NotNullWhen(true)] out Destination? destination,
        [NotNullWhen(false)] out string? problem)
    {
        destination = null;
        string text;
        switch (endpoint.EndPoint)
        {
            case UriEndPoint { Uri: var uri }:
                if (!uri.IsAbsoluteUri)
                {
                    problem = "its URI is not absolute.";
                    return false;
                }

                text = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
                break;
            case IPEndPoint ip:
                if (!TryChooseScheme(query, options, out var ipScheme, out problem))
                {
                    return false;
                }

                text = FormatAddress(ipScheme, FormatHost(ip.Address), ip.Port);
                break;
            case DnsEndPoint dns:
                if (!TryChooseScheme(query, options, out var dnsScheme, out problem))
                {
                    return false;
                }

                text = FormatAddress(dnsScheme, dns.Host, dns.Port);
                break;
            default:
                problem = $"endpoints of type {endpoint.EndPoint.GetType().Name} are not supported; an endpoint must be a URI, an IP address or a host name.";
                return false;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var address))
        {
            problem = $"'{text}' is not a valid address.";
            return false;
        }

        if (Destination.ValidateAddress(address) is { } invalid)
        {
            problem = invalid;
            return false;
        }

        destination = new Destination(GetId(endpoint.EndPoint), address);
        problem = null;
        return true;
    }

    /// <summary>The scheme for an endpoint that has none: the service name's first, as ResolvingHttpDelegatingHandler does.</summary>
    private static bool TryChooseScheme(
        ServiceEndpointQuery query,
        ServiceDiscoveryOptions options,
        [NotNullWhen(true)] out string? scheme,
        [NotNullWhen(false)] out string? problem)
    {
        var schemes = query.IncludedSchemes;
        if (schemes.Count == 0)
        {
            scheme = Uri.UriSchemeHttp;
            problem = null;
            return true;
        }

        scheme = schemes[0];
        if (schemes.Count > 1
            && !options.AllowAllSchemes
            && !options.AllowedSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase))
        {
            problem = $"its scheme would be '{scheme}', which ServiceDiscoveryOptions.AllowedSchemes does not allow.";
            scheme = null;
            return false;
        }

        problem = null;
        return true;
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private static string FormatAddress(string scheme, string host, int port) =>
        port > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{port}")
            : $"{scheme}://{host}";
}
