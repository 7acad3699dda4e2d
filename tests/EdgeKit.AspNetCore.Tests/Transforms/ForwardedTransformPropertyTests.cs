using System.Net;
using System.Net.Sockets;
using CsCheck;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.PropertyTesting;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Transforms;

/// <summary>
/// Properties of the RFC 7239 <c>Forwarded</c> element the gateway writes: whatever the client's address, port, scheme
/// and host, the element is valid RFC 7239 syntax (RFC 9110 tokens and quoted-strings) and reads back as what was written.
/// </summary>
public sealed class ForwardedTransformPropertyTests
{
    private static readonly Gen<IPAddress> s_address = Gen.OneOf<IPAddress>(
        Gen.Byte.Array[4].Select(b => new IPAddress(b)),
        Gen.Byte.Array[16].Select(b => new IPAddress(b)),
        Gen.Select(Gen.Byte.Array[16], Gen.Long[0, uint.MaxValue]).Select((b, scope) => new IPAddress(b, scope)),
        Gen.Byte.Array[4].Select(b => new IPAddress(b).MapToIPv6()));

    /// <summary>A Host header as Kestrel lets it through: visible ASCII (quotes and backslashes included).</summary>
    private static readonly Gen<string> s_host = Gen.OneOf<string>(
        Gen.Char['!', '~'].Array[1, 40].Select(c => new string(c)),
        Gen.Const("api.example.com:8443"),
        Gen.Const("[2001:db8::1]:443"));

    private static readonly Gen<ForwardedNodeFormat> s_format = Gen.OneOf(Enum.GetValues<ForwardedNodeFormat>());

    [Fact]
    public void BuildElement_writes_valid_syntax_that_reads_back_as_the_connection_and_request()
    {
        Gen.Select(s_address, Gen.Int[0, 65535], s_host, Gen.OneOf("http", "https"), s_format, s_format, Gen.Bool, Gen.Bool).Sample(
            (address, port, host, scheme, forFormat, byFormat, proto, withHost) =>
            {
                var http = new DefaultHttpContext();
                http.Connection.RemoteIpAddress = address;
                http.Connection.RemotePort = port;
                http.Connection.LocalIpAddress = address;
                http.Connection.LocalPort = port;
                http.Request.Scheme = scheme;
                http.Request.Headers.Host = host; // as Kestrel sets it (the Host setter would IDN-encode it)
                var transform = new ForwardedTransform(ForwardedHeaderAction.Set, forFormat, byFormat, proto, withHost, TrustedProxies.None);

                string? element = transform.BuildElement(http);
                var pairs = element is null ? [] : ForwardedElement.Parse(element);
                var expected = new List<(string, string)>();
                if (forFormat != ForwardedNodeFormat.None)
                {
                    expected.Add(("for", Node(forFormat, address, port)));
                }

                if (byFormat != ForwardedNodeFormat.None)
                {
                    expected.Add(("by", Node(byFormat, address, port)));
                }

                if (proto)
                {
                    expected.Add(("proto", scheme));
                }

                if (withHost)
                {
                    expected.Add(("host", http.Request.Host.Value!)); // HostString brackets a host with several ':'

                }

                for (int i = 0; i < Math.Max(pairs.Count, expected.Count); i++)
                {
                    bool same = i < pairs.Count && i < expected.Count && pairs[i].Name == expected[i].Item1
                        && (expected[i].Item2 == "*random*" ? IsObfuscated(pairs[i].Value, withPort: false)
                            : expected[i].Item2 == "*random:port*" ? IsObfuscated(pairs[i].Value, withPort: true) && pairs[i].Value.EndsWith(":" + port, StringComparison.Ordinal)
                            : pairs[i].Value == expected[i].Item2);
                    if (!same)
                    {
                        throw new InvalidOperationException($"'{element}' does not read back as {string.Join(";", expected)}");
                    }
                }
            }, iter: HostileText.Iterations);
    }

    private static string Node(ForwardedNodeFormat format, IPAddress address, int port)
    {
        if (format == ForwardedNodeFormat.Unknown)
        {
            return "unknown";
        }

        if (format is ForwardedNodeFormat.Random or ForwardedNodeFormat.RandomAndPort)
        {
            return format == ForwardedNodeFormat.Random ? "*random*" : "*random:port*";
        }

        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        string text = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + ip + "]" : ip.ToString();
        return format == ForwardedNodeFormat.IpAndPort ? text + ":" + port : text;
    }

    private static bool IsObfuscated(string value, bool withPort)
    {
        string identifier = withPort ? value[..value.IndexOf(':', StringComparison.Ordinal)] : value;
        return identifier.Length == 9 && identifier[0] == '_' && identifier[1..].All(char.IsAsciiLetterOrDigit);
    }
}
