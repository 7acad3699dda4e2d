using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CsCheck;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.PropertyTesting;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

/// <summary>Properties of the <c>X-Forwarded-For</c> reader that finds the client behind trusted proxies.</summary>
public sealed class ClientIpResolverPropertyTests
{
    private static readonly IPAddress s_proxy = IPAddress.Parse("10.0.0.1");
    private static readonly ClientIpResolver s_resolver = new(TrustedProxies.Parse(["10.0.0.1", "192.168.0.0/16", "fd00::/8"], "p", []), "X-Forwarded-For");

    /// <summary>Addresses from the trusted networks and outside them, v4 and v6.</summary>
    private static readonly Gen<IPAddress> s_address = Gen.OneOf<IPAddress>(
        Gen.Byte.Array[4].Select(b => new IPAddress(b)),
        Gen.Byte.Array[2].Select(b => new IPAddress([192, 168, b[0], b[1]])),
        Gen.Byte.Array[16].Select(b => new IPAddress(b)),
        Gen.Byte.Array[15].Select(b => new IPAddress([0xfd, .. b])));

    /// <summary>One entry as proxies write it: the address alone, with a port, or an IPv6 address in brackets with a port.</summary>
    private static readonly Gen<(IPAddress Address, string Text)> s_entry = Gen.Select(s_address, Gen.Int[0, 65535], Gen.Bool).Select((address, port, withPort) =>
        (address, !withPort ? address.ToString()
            : address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{address}:{port.ToString(CultureInfo.InvariantCulture)}"));

    [Fact]
    public void Resolve_never_throws_and_answers_an_address_of_the_request()
    {
        HostileText.Mixed("10.0.0.1", "192.168.1.1", "1.2.3.4", "::1", "[", "]", ":", ",", " ", "fd00::5", ":99999").Array[0, 3].Sample(lines =>
        {
            var context = new DefaultHttpContext();
            context.Connection.RemoteIpAddress = s_proxy;
            context.Request.Headers["X-Forwarded-For"] = lines;
            if (s_resolver.Resolve(context) is null)
            {
                throw new InvalidOperationException($"no address for [{string.Join(" | ", lines)}]");
            }
        }, iter: HostileText.Iterations);
    }

    /// <summary>The answer is the rightmost entry that is not a trusted proxy, as a simple reference walk finds it.</summary>
    [Fact]
    public void Resolve_finds_the_rightmost_untrusted_entry_of_any_chain()
    {
        Gen.Select(s_entry.Array[0, 6], Gen.Int[0, 6], Gen.OneOf(", ", ",", " , ")).Sample((chain, split, separator) =>
        {
            var texts = chain.Select(e => e.Text).ToArray();
            string[] lines = texts.Length == 0 ? []
                : split % (texts.Length + 1) is var cut && cut > 0 && cut < texts.Length
                    ? [string.Join(separator, texts[..cut]), string.Join(separator, texts[cut..])]
                    : [string.Join(separator, texts)];
            var context = new DefaultHttpContext();
            context.Connection.RemoteIpAddress = s_proxy;
            context.Request.Headers["X-Forwarded-For"] = lines;

            IPAddress expected = s_proxy;
            for (int i = chain.Length - 1; i >= 0; i--)
            {
                expected = chain[i].Address;
                if (!IsTrusted(expected))
                {
                    break;
                }
            }

            var actual = s_resolver.Resolve(context);
            if (!expected.Equals(actual))
            {
                throw new InvalidOperationException($"[{string.Join(" | ", lines)}]: {actual}, expected {expected}");
            }
        }, iter: HostileText.Iterations);
    }

    private static bool IsTrusted(IPAddress address) =>
        address.Equals(s_proxy) || IPNetwork.Parse("192.168.0.0/16").Contains(address) || IPNetwork.Parse("fd00::/8").Contains(address);
}
