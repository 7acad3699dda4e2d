using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using EdgeKit.AspNetCore.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Writes the RFC 7239 <c>Forwarded</c> header: <c>for</c>, <c>proto</c>, <c>host</c> and <c>by</c> as chosen, IPv6
/// addresses and ports quoted as §6 requires, obfuscated identifiers (§6.3) on request. Append keeps the incoming
/// elements only when the connection comes from a known proxy. One string is built per request.
/// </summary>
internal sealed class ForwardedTransform : RequestTransform
{
    public const string HeaderName = "Forwarded";
    private const string ObfuscationAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly ForwardedHeaderAction _action;
    private readonly ForwardedNodeFormat _for;
    private readonly ForwardedNodeFormat _by;
    private readonly bool _proto;
    private readonly bool _host;
    private readonly TrustedProxies _proxies;

    public ForwardedTransform(ForwardedHeaderAction action, ForwardedNodeFormat forFormat, ForwardedNodeFormat byFormat, bool proto, bool host, TrustedProxies proxies)
    {
        _action = action;
        _for = forFormat;
        _by = byFormat;
        _proto = proto;
        _host = host;
        _proxies = proxies;
    }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (_action == ForwardedHeaderAction.Off)
        {
            return default;
        }

        var http = context.HttpContext;
        string? value = _action == ForwardedHeaderAction.Remove ? null : BuildElement(http);
        XForwardedTransform.Apply(context.ProxyRequest.Headers, HeaderName, _action, _proxies.Contains(http.Connection.RemoteIpAddress), value);
        return default;
    }

    /// <summary>This hop's element, e.g. <c>for="[2001:db8::1]:4711";proto=https;host=api.example.com</c>.</summary>
    internal string? BuildElement(HttpContext http)
    {
        var handler = new DefaultInterpolatedStringHandler(0, 0, null, stackalloc char[256]);
        bool any = false;
        if (_for != ForwardedNodeFormat.None)
        {
            handler.AppendLiteral("for=");
            AppendNode(ref handler, _for, http.Connection.RemoteIpAddress, http.Connection.RemotePort);
            any = true;
        }

        if (_by != ForwardedNodeFormat.None)
        {
            handler.AppendLiteral(any ? ";by=" : "by=");
            AppendNode(ref handler, _by, http.Connection.LocalIpAddress, http.Connection.LocalPort);
            any = true;
        }

        if (_proto)
        {
            handler.AppendLiteral(any ? ";proto=" : "proto=");
            handler.AppendFormatted(http.Request.Scheme);
            any = true;
        }

        if (_host && http.Request.Host.HasValue)
        {
            handler.AppendLiteral(any ? ";host=" : "host=");
            AppendValue(ref handler, http.Request.Host.Value);
            any = true;
        }

        if (!any)
        {
            handler.ToStringAndClear();
            return null;
        }

        return handler.ToStringAndClear();
    }

    private static void AppendNode(ref DefaultInterpolatedStringHandler handler, ForwardedNodeFormat format, IPAddress? address, int port)
    {
        if (format == ForwardedNodeFormat.Unknown || (address is null && format is ForwardedNodeFormat.Ip or ForwardedNodeFormat.IpAndPort))
        {
            handler.AppendLiteral("unknown");
            return;
        }

        bool withPort = format is ForwardedNodeFormat.IpAndPort or ForwardedNodeFormat.RandomAndPort;
        if (format is ForwardedNodeFormat.Random or ForwardedNodeFormat.RandomAndPort)
        {
            Span<char> identifier = stackalloc char[9];
            identifier[0] = '_';
            RandomNumberGenerator.GetItems(ObfuscationAlphabet, identifier[1..]);
            if (withPort)
            {
                handler.AppendLiteral("\"");
                handler.AppendFormatted((ReadOnlySpan<char>)identifier);
                handler.AppendLiteral(":");
                handler.AppendFormatted(port);
                handler.AppendLiteral("\"");
            }
            else
            {
                handler.AppendFormatted((ReadOnlySpan<char>)identifier);
            }

            return;
        }

        if (address!.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        if (!v6 && !withPort)
        {
            handler.AppendFormatted(address);
            return;
        }

        // An IPv6 address and any port contain ':', which is not a token character: the node is a quoted-string (§6).
        handler.AppendLiteral(v6 ? "\"[" : "\"");
        handler.AppendFormatted(address);
        handler.AppendLiteral(v6 ? "]" : string.Empty);
        if (withPort)
        {
            handler.AppendLiteral(":");
            handler.AppendFormatted(port);
        }

        handler.AppendLiteral("\"");
    }

    /// <summary>A token as is; anything else (e.g. <c>host:port</c>) as a quoted-string with <c>"</c> and <c>\</c> escaped.</summary>
    private static void AppendValue(ref DefaultInterpolatedStringHandler handler, string value)
    {
        if (HeaderSyntax.IsToken(value))
        {
            handler.AppendFormatted(value);
            return;
        }

        handler.AppendLiteral("\"");
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                handler.AppendLiteral("\\");
            }

            handler.AppendFormatted(c);
        }

        handler.AppendLiteral("\"");
    }
}
