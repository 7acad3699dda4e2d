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
        bool trusted = _proxies.Contains(http.Connection.RemoteIpAddress);
        var request = http.Request;
        if (_for != ForwardedHeaderAction.Off)
        {
            Apply(headers, _forName, _for, trusted, _for == ForwardedHeaderAction.Remove ? null : http.Connection.RemoteIpAddress?.ToString());
        }

        if (_proto != ForwardedHeaderAction.Off)
        {
            Apply(headers, _protoName, _proto, trusted, request.Scheme);
        }

        if (_host != ForwardedHeaderAction.Off)
        {
            Apply(headers, _hostName, _host, trusted, request.Host.HasValue ? request.Host.Value : null);
        }

        if (_prefix != ForwardedHeaderAction.Off)
        {
            Apply(headers, _prefixName, _prefix, trusted, request.PathBase.HasValue ? request.PathBase.Value : null);
        }

        return default;
    }

    /// <summary>Applies one header's action; <paramref name="value"/> is what the gateway saw (none when null).</summary>
    internal static void Apply(HttpRequestHeaders headers, string name, ForwardedHeaderAction action, bool trusted, string? value)
    {
        string? incoming = null;
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            if (action == ForwardedHeaderAction.Append && trusted)
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
}
