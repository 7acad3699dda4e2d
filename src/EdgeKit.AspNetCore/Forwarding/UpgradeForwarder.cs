using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using EdgeKit.AspNetCore.Http;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>How an upgradable client request is sent to the backend.</summary>
internal enum UpgradeMode
{
    /// <summary>Not an upgrade: a normal request.</summary>
    None,

    /// <summary>An HTTP/1.1 <c>Upgrade</c> (e.g. WebSocket) sent on as an HTTP/1.1 upgrade; the backend's <c>101</c> opens the tunnel.</summary>
    Http11,

    /// <summary>An HTTP/2 extended <c>CONNECT</c> (RFC 8441) sent to the backend as an HTTP/1.1 upgrade; its <c>101</c> becomes the client's <c>200</c>.</summary>
    ExtendedConnectToHttp11,

    /// <summary>An HTTP/2 extended <c>CONNECT</c> sent on as one to an HTTP/2 backend; a <c>2xx</c> opens the tunnel.</summary>
    ExtendedConnectToHttp2,
}

/// <summary>
/// Tunnels upgraded connections (WebSockets and any other HTTP/1.1 <c>Upgrade</c>, and WebSockets over HTTP/2 per
/// RFC 8441) between the client and the backend: the handshake goes through the normal forwarder, then bytes are
/// copied both ways with pooled buffers and zero-byte reads until either side closes or the connection has been idle
/// (no byte either way) for the route's upgrade idle timeout. A backend that declines the upgrade (any status other
/// than <c>101</c>, or <c>2xx</c> for HTTP/2) has its answer forwarded as a normal response.
/// </summary>
internal sealed class UpgradeForwarder
{
    private readonly ILogger _logger;

    public UpgradeForwarder(ILogger logger)
    {
        _logger = logger;
    }

    /// <summary>
    /// Decides how the client's request is sent when it asks for an upgrade, and reshapes <paramref name="request"/>
    /// for it: HTTP/1.1 exactly with <c>Connection: Upgrade</c> and <c>Upgrade</c> kept, or HTTP/2 extended
    /// <c>CONNECT</c> when the client used it and the cluster speaks HTTP/2 only. An upgrade request carries no body.
    /// An upgrade to <c>h2c</c> is never tunnelled: it would let a client speak HTTP/2 to the backend past the gateway's
    /// routes and policies ("h2c smuggling"); such a request goes on as a normal one, its <c>Upgrade</c> removed.
    /// </summary>
    public static UpgradeMode Prepare(HttpContext context, HttpRequestMessage request, ForwarderCluster cluster)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true })
        {
            string upgrade = context.Request.Headers.Upgrade.ToString();
            if (upgrade.Length == 0 || HeaderRules.IsUnsafeValue(upgrade) || HeaderRules.IsListedIn("h2c", upgrade))
            {
                return UpgradeMode.None;
            }

            request.Content = null;
            request.Version = HttpVersion.Version11;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            request.Headers.TryAddWithoutValidation(HeaderNames.Connection, HeaderNames.Upgrade);
            request.Headers.TryAddWithoutValidation(HeaderNames.Upgrade, upgrade);
            return UpgradeMode.Http11;
        }

        if (HttpMethods.IsConnect(context.Request.Method)
            && context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: { Length: > 0 } protocol }
            && !HeaderRules.IsUnsafeValue(protocol))
        {
            request.Content = null;
            if (cluster.Version.Major >= 2 && cluster.VersionPolicy == HttpVersionPolicy.RequestVersionExact)
            {
                // The backend is known to speak HTTP/2 (h2c with prior knowledge, or TLS with HTTP/2 required).
                request.Method = HttpMethod.Connect;
                request.Version = cluster.Version;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
                request.Headers.Protocol = protocol;
                return UpgradeMode.ExtendedConnectToHttp2;
            }

            request.Method = HttpMethod.Get;
            request.Version = HttpVersion.Version11;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            request.Headers.TryAddWithoutValidation(HeaderNames.Connection, HeaderNames.Upgrade);
            request.Headers.TryAddWithoutValidation(HeaderNames.Upgrade, protocol);
            if (protocol.Equals("websocket", StringComparison.OrdinalIgnoreCase))
            {
                // RFC 6455 §4.1: an HTTP/1.1 WebSocket handshake carries a fresh nonce; HTTP/2 clients send none (RFC 8441 §5).
                request.Headers.Remove(HeaderNames.SecWebSocketKey);
                request.Headers.TryAddWithoutValidation(HeaderNames.SecWebSocketKey, NewWebSocketKey());
            }

            return UpgradeMode.ExtendedConnectToHttp11;
        }

        return UpgradeMode.None;
    }

    /// <summary>Whether the backend accepted the upgrade, so the exchange becomes a tunnel.</summary>
    public static bool IsAccepted(UpgradeMode mode, HttpResponseMessage response) => mode switch
    {
        UpgradeMode.Http11 or UpgradeMode.ExtendedConnectToHttp11 => response.StatusCode == HttpStatusCode.SwitchingProtocols,
        UpgradeMode.ExtendedConnectToHttp2 => (int)response.StatusCode is >= 200 and < 300,
        _ => false,
    };

    /// <summary>Logs that the backend declined an upgrade (its answer goes on as a normal response).</summary>
    public void Declined(GatewayRoute route, string cluster, string destination, HttpResponseMessage response) =>
        GatewayLog.UpgradeDeclined(_logger, route.Id, cluster, destination, (int)response.StatusCode);

    /// <summary>
    /// Completes the client's side of the handshake with the backend's answer, then copies bytes both ways until
    /// either side closes, the client goes away, or nothing has moved for the idle timeout.
    /// </summary>
    public async Task<(RequestOutcome Outcome, string? ErrorType)> TunnelAsync(
        HttpContext context, GatewayRoute route, ForwarderSettings settings, UpgradeMode mode, HttpResponseMessage response,
        string cluster, string destination, ActivityTimeout activity)
    {
        var outgoing = context.Response;
        CopyHeaders(response, outgoing.Headers, mode);
        Stream backend;
        Stream client;
        try
        {
            backend = await response.Content.ReadAsStreamAsync(activity.Token).ConfigureAwait(false);
            client = mode == UpgradeMode.Http11
                ? await context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync().ConfigureAwait(false)
                : await context.Features.GetRequiredFeature<IHttpExtendedConnectFeature>().AcceptAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested || ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            GatewayLog.UpgradeFailed(_logger, route.Id, cluster, destination, ex);
            context.Abort();
            return (RequestOutcome.Cancelled, null);
        }

        var idleTimeout = route.Options.UpgradeIdleTimeout ?? settings.UpgradeIdleTimeout;
        activity.Restart(idleTimeout);
        GatewayLog.UpgradeOpened(_logger, route.Id, cluster, destination, ProtocolOf(context, mode), ModeName(mode));

        // When one direction ends (a side closed, or failed), the other is stopped: a tunnel has no half-open state here.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(activity.Token);
        var toBackend = StreamCopier.CopyAsync(client, backend, activity, stop.Token).AsTask();
        var toClient = StreamCopier.CopyAsync(backend, client, activity, stop.Token).AsTask();
        var first = await Task.WhenAny(toBackend, toClient).ConfigureAwait(false);
        var firstResult = await first.ConfigureAwait(false);
        stop.Cancel();
        var up = await toBackend.ConfigureAwait(false);
        var down = await toClient.ConfigureAwait(false);
        await backend.DisposeAsync().ConfigureAwait(false);

        if (activity.TimedOut)
        {
            GatewayLog.UpgradeIdleTimeout(_logger, route.Id, cluster, destination, idleTimeout);
            // Nothing moved for the whole timeout: close the client's side at once rather than leave it half open.
            context.Abort();
        }
        else if (firstResult.Result is StreamCopyResult.InputError or StreamCopyResult.OutputError && !context.RequestAborted.IsCancellationRequested)
        {
            GatewayLog.UpgradeFailed(_logger, route.Id, cluster, destination, firstResult.Error!);
            context.Abort();
        }

        GatewayLog.UpgradeClosed(_logger, route.Id, cluster, destination, up.Bytes, down.Bytes);
        return (RequestOutcome.Success, null);
    }

    private static void CopyHeaders(HttpResponseMessage response, IHeaderDictionary target, UpgradeMode mode)
    {
        var headers = response.Headers.NonValidated;
        string? connection = headers.TryGetValues(HeaderNames.Connection, out var connectionValues) ? connectionValues.ToString() : null;
        bool toHttp2Client = mode is UpgradeMode.ExtendedConnectToHttp11 or UpgradeMode.ExtendedConnectToHttp2;
        foreach (var header in headers)
        {
            string name = header.Key;
            if (name.Equals(HeaderNames.Upgrade, StringComparison.OrdinalIgnoreCase))
            {
                // HTTP/1.1 clients need the protocol switched to; HTTP/2 has no Upgrade (RFC 9113 §8.2.2).
                if (!toHttp2Client)
                {
                    SetHeader(target, name, header.Value);
                }

                continue;
            }

            if (HeaderRules.IsNeverForwardedResponseHeader(name) || HeaderRules.IsListedIn(name, connection))
            {
                continue;
            }

            if (toHttp2Client && name.Equals(HeaderNames.SecWebSocketAccept, StringComparison.OrdinalIgnoreCase))
            {
                // The answer to the nonce the gateway made up; an HTTP/2 client sent none (RFC 8441 §5).
                continue;
            }

            SetHeader(target, name, header.Value);
        }

        foreach (var header in response.Content.Headers.NonValidated)
        {
            if (!header.Key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                SetHeader(target, header.Key, header.Value);
            }
        }
    }

    private static void SetHeader(IHeaderDictionary target, string name, HeaderStringValues values)
    {
        var list = new List<string>(values.Count);
        foreach (var value in values)
        {
            if (!HeaderRules.IsUnsafeValue(value))
            {
                list.Add(value);
            }
        }

        if (list.Count > 0)
        {
            target[name] = new StringValues(list.ToArray());
        }
    }

    private static string ProtocolOf(HttpContext context, UpgradeMode mode) => mode == UpgradeMode.Http11
        ? context.Request.Headers.Upgrade.ToString()
        : context.Features.Get<IHttpExtendedConnectFeature>()?.Protocol ?? string.Empty;

    private static string ModeName(UpgradeMode mode) => mode switch
    {
        UpgradeMode.Http11 => "HTTP/1.1 upgrade",
        UpgradeMode.ExtendedConnectToHttp11 => "HTTP/2 extended CONNECT to HTTP/1.1 upgrade",
        _ => "HTTP/2 extended CONNECT",
    };

    private static string NewWebSocketKey()
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }
}
