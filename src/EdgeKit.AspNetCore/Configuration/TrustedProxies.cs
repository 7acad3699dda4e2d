using System.Net;

namespace EdgeKit.AspNetCore.Configuration;

/// <summary>
/// The proxies in front of the app whose headers are believed (addresses and CIDR networks), parsed once per
/// configuration from a <c>KnownProxies</c> list: the one trusted-proxy type of both the forwarded headers
/// (<c>EdgeKit:ForwardedHeaders:KnownProxies</c>) and the rate limiter's client address
/// (<c>EdgeKit:RateLimiting:KnownProxies</c>). Lookups take no lock and do not allocate.
/// </summary>
internal sealed class TrustedProxies
{
    public static TrustedProxies None { get; } = new([]);

    private readonly IPNetwork[] _networks;

    private TrustedProxies(IPNetwork[] networks) => _networks = networks;

    /// <summary>Whether nothing is trusted.</summary>
    public bool IsEmpty => _networks.Length == 0;

    /// <summary>Parses <paramref name="entries"/> (addresses or CIDR networks), adding a message to <paramref name="errors"/> for each bad one.</summary>
    public static TrustedProxies Parse(IReadOnlyList<string>? entries, string path, List<string> errors)
    {
        if (entries is null || entries.Count == 0)
        {
            return None;
        }

        var networks = new List<IPNetwork>(entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            string? entry = entries[i]?.Trim();
            if (string.IsNullOrEmpty(entry))
            {
                errors.Add($"{path}:{i}: is empty; give an IP address (10.0.0.5) or a CIDR network (10.0.0.0/8).");
            }
            else if (entry.Contains('/', StringComparison.Ordinal))
            {
                // IPNetwork.TryParse masks stray host bits; a typo such as 10.0.0.1/8 is reported instead.
                if (IPNetwork.TryParse(entry, out var network)
                    && IPAddress.TryParse(entry.AsSpan(0, entry.IndexOf('/', StringComparison.Ordinal)), out var written)
                    && written.Equals(network.BaseAddress))
                {
                    networks.Add(network);
                }
                else
                {
                    errors.Add($"{path}:{i}: '{entry}' is not a CIDR network such as 10.0.0.0/8 or fd00::/8 (the address must have no bits set beyond the prefix).");
                }
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                address = Normalize(address);
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                errors.Add($"{path}:{i}: '{entry}' is not an IP address or a CIDR network.");
            }
        }

        return new TrustedProxies([.. networks]);
    }

    /// <summary>Whether a connection from <paramref name="address"/> comes from a known proxy.</summary>
    public bool Contains(IPAddress? address)
    {
        if (address is null || _networks.Length == 0)
        {
            return false;
        }

        address = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
