using System.Net.Http.Headers;
using EdgeKit.AspNetCore.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Writes <c>X-Forwarded-For</c>, <c>-Proto</c>, <c>-Host</c> and <c>-Prefix</c>. The values the client sent were
/// already copied (unless it listed them in <c>Connection</c>); each header is then kept and extended (Append from a
/// known proxy), replaced (Set, or Append from anyone else), left alone (Off) or removed (Remove). One string is built
/// per header sent, and only when appending.
/// </summary>
internal sealed class XForwardedTransform : RequestTransform
{
    private readonly string _forName;
    private readonly string _protoName;
    private readonly string _hostName;
    private readonly string _prefixName;
    private readonly ForwardedHeaderAction _for;
    private readonly ForwardedHeaderAction _proto;
    private readonly ForwardedHeaderAction _host;
    private readonly ForwardedHeaderAction _prefix;
    private readonly TrustedProxies _proxies;

    public XForwardedTransform(string headerPrefix, ForwardedHeaderAction forAction, ForwardedHeaderAction protoAction, ForwardedHeaderAction hostAction, ForwardedHeaderAction prefixAction, TrustedProxies proxies)
    {
        _forName = headerPrefix + "For";
        _protoName = headerPrefix + "Proto";
        _hostName = headerPrefix + "Host";
        _prefixName = headerPrefix + "Prefix";
        _for = forAction;
        _proto = protoAction;
        _host = hostAction;
        _prefix = prefixAction;
        _proxies = proxies;
    }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var http = context.HttpContext;
        var headers = context.ProxyRequest.Headers;
        // The client's address (its string is formatted once per connection: Kestrel keeps one IPAddress per connection,
        // and IPAddress its string); whether it is a trusted proxy is asked only when it sent a header to append to.
        var remote = http.Connection.RemoteIpAddress;
        int trusted = Unknown;
        var request = http.Request;
        if (_for != ForwardedHeaderAction.Off)
        {
            Apply(headers, _forName, _for, _proxies, remote, ref trusted, _for == ForwardedHeaderAction.Remove ? null : remote?.ToString());
        }

        if (_proto != ForwardedHeaderAction.Off)
        {
            Apply(headers, _protoName, _proto, _proxies, remote, ref trusted, request.Scheme);
        }

        if (_host != ForwardedHeaderAction.Off)
        {
            Apply(headers, _hostName, _host, _proxies, remote, ref trusted, request.Host.HasValue ? request.Host.Value : null);
        }

        if (_prefix != ForwardedHeaderAction.Off)
        {
            Apply(headers, _prefixName, _prefix, _proxies, remote, ref trusted, request.PathBase.HasValue ? request.PathBase.Value : null);
        }

        return default;
    }

    /// <summary>Whether the client is a trusted proxy: not asked yet.</summary>
    internal const int Unknown = -1;

    /// <summary>
    /// Applies one header's action; <paramref name="value"/> is what the gateway saw (none when null). The values already
    /// there are kept (appended to) only for <see cref="ForwardedHeaderAction.Append"/> from a client in
    /// <paramref name="proxies"/>; <paramref name="trusted"/> caches that answer across the headers of one request
    /// (<see cref="Unknown"/>, then 0 or 1).
    /// </summary>
    internal static void Apply(HttpRequestHeaders headers, string name, ForwardedHeaderAction action, TrustedProxies proxies, System.Net.IPAddress? client, ref int trusted, string? value)
    {
        string? incoming = null;
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            if (action == ForwardedHeaderAction.Append && IsTrusted(proxies, client, ref trusted))
            {
                incoming = values.ToString();
            }

            headers.Remove(name);
        }

        if (action == ForwardedHeaderAction.Remove)
        {
            return;
        }

        if (incoming is { Length: > 0 })
        {
            headers.TryAddWithoutValidation(name, value is null ? incoming : string.Concat(incoming, ", ", value));
        }
        else if (value is not null)
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private static bool IsTrusted(TrustedProxies proxies, System.Net.IPAddress? client, ref int trusted)
    {
        if (trusted == Unknown)
        {
            trusted = proxies.Contains(client) ? 1 : 0;
        }

        return trusted == 1;
    }
}
