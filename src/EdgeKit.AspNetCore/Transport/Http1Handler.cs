using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// EdgeKit's own HTTP/1.1 transport, as the <see cref="HttpMessageHandler"/> a cluster's invoker sends through when its
/// <c>HttpClient:Transport</c> is <c>EdgeKit</c> or <c>Auto</c>: one <see cref="Http1ConnectionPool"/> per destination,
/// the request head written from the message's unvalidated headers straight into the connection's pipe, the response
/// head parsed strictly (RFC 9112). Never resends a request: every failure goes to the caller (the forwarder's
/// resilience pipeline decides). <c>CONNECT</c> (WebSocket over HTTP/2 sent on as an extended CONNECT to an HTTP/2
/// backend: HTTP/2 is out of this transport's scope), an upgrade request with a body, and with <c>Auto</c> every request
/// that <see cref="SocketsHttpHandler"/> could send as HTTP/2 or HTTP/3 (<see cref="IsHttp11Either"/>), go to its inner
/// handler, a <see cref="SocketsHttpHandler"/> built from the same options (as a delegating handler's inner handler, not
/// through a second invoker, so .NET's HttpClient telemetry counts each request once).
/// </summary>
/// <remarks>
/// An HTTP/1.1 upgrade (<c>Connection: Upgrade</c> and <c>Upgrade</c>: a WebSocket, or an HTTP/2 client's WebSocket
/// sent to an HTTP/1.1 backend) goes through the destination's pool like any request, under the same strict parsing and
/// <c>MaxConnectionsPerServer</c>. Its <c>101 Switching Protocols</c> turns the connection into the response content's
/// duplex stream (<see cref="Http1UpgradedStream"/>: the bytes the backend sent after the 101's head come first). That
/// connection never returns to the pool, but holds its <c>MaxConnectionsPerServer</c> place until the tunnel closes (the
/// stream disposed, the backend's side closed, or an error). The request's cancellation ends the exchange until the 101;
/// after it, the tunnel lives as long as its user keeps it (the forwarder's upgrade idle timeout). Any other answer to an
/// upgrade request is an ordinary response, whose connection is reused when its framing allows; a 101 to a request that
/// asked for no upgrade is a protocol error (the connection is closed, the gateway answers 502).
/// </remarks>
internal sealed class Http1Handler : DelegatingHandler
{
    /// <summary>How long a request with <c>Expect: 100-continue</c> waits for the backend's 100 before sending its body anyway.</summary>
    public static readonly TimeSpan DefaultExpectContinueTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether the W3C trace context of the current activity goes to the backend, as <see cref="SocketsHttpHandler"/>
    /// sends it: the same switch (<c>System.Net.Http.EnableActivityPropagation</c>, or the environment variable
    /// <c>DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION</c>) turns both off.
    /// </summary>
    private static readonly bool s_propagateActivity = AppContext.TryGetSwitch("System.Net.Http.EnableActivityPropagation", out bool enabled)
        ? enabled
        : Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION") is not { } variable
            || !(variable == "0" || variable.Equals("false", StringComparison.OrdinalIgnoreCase));

    private readonly ConcurrentDictionary<(string Scheme, string Host, int Port), Http1ConnectionPool> _pools = new();
    private readonly SslClientAuthenticationOptions _ssl;
    private readonly bool _auto;
    private int _disposed;

    /// <summary>
    /// A handler for a cluster with <paramref name="options"/>; <paramref name="epoll"/>: whether its cleartext connections
    /// run on EdgeKit's epoll engine (by default, as the process-wide <see cref="Epoll.EdgeKitSockets.BackendEnabled"/> says
    /// when the handler is made; tests choose per handler).
    /// </summary>
    public Http1Handler(ClusterHttpClientOptions options, TimeProvider? time = null, TimeSpan? expectContinueTimeout = null, bool? epoll = null)
        : base(BackendHandlers.CreateHandler(options))
    {
        Options = options;
        UsesEpoll = (epoll ?? Epoll.EdgeKitSockets.BackendEnabled) && Epoll.EpollEngine.IsSupported;
        Time = time ?? TimeProvider.System;
        ExpectContinueTimeout = expectContinueTimeout ?? DefaultExpectContinueTimeout;
        _auto = options.Transport != ClusterTransport.EdgeKit;
        _ssl = BackendHandlers.CreateSslOptions(options);
    }

    /// <summary>
    /// Whether a cluster with <paramref name="options"/> on <see cref="ClusterTransport.Auto"/> may send any request
    /// through this transport (to a plain http or an https destination); when not, it is better served by a
    /// <see cref="SocketsHttpHandler"/> alone.
    /// </summary>
    public static bool ServesAnyOf(ClusterHttpClientOptions options) =>
        options.ParseRequestVersion() is { } version
        && (IsHttp11Either(version, options.VersionPolicy, https: false) || IsHttp11Either(version, options.VersionPolicy, https: true));

    /// <summary>
    /// Whether a request of <paramref name="version"/> and <paramref name="policy"/> goes over HTTP/1.1 whichever client
    /// sends it. <see cref="SocketsHttpHandler"/> tries HTTP/2 over TLS (ALPN) for a version of 2 or more, or for 1.1
    /// with <see cref="HttpVersionPolicy.RequestVersionOrHigher"/>, and without TLS only with prior knowledge (2 and a
    /// policy other than <see cref="HttpVersionPolicy.RequestVersionOrLower"/>); HTTP/3 only over TLS. HTTP/1.0 is left
    /// to it (its request line, framing and keep-alive differ).
    /// </summary>
    public static bool IsHttp11Either(Version version, HttpVersionPolicy policy, bool https) => version.Major switch
    {
        1 => version.Minor == 1 && !(https && policy == HttpVersionPolicy.RequestVersionOrHigher),
        >= 2 => !https && policy == HttpVersionPolicy.RequestVersionOrLower,
        _ => false,
    };

    public ClusterHttpClientOptions Options { get; }

    /// <summary>Whether cleartext connections run on EdgeKit's epoll engine (<see cref="Epoll.EpollEngine.Shared"/>).</summary>
    public bool UsesEpoll { get; }

    public TimeProvider Time { get; }

    public TimeSpan ExpectContinueTimeout { get; }

    /// <summary>Connections open now to all destinations (for tests and diagnostics).</summary>
    public int OpenConnections => _pools.Values.Sum(pool => pool.OpenConnections);

    /// <summary>Requests waiting now for one of a destination's <c>MaxConnectionsPerServer</c> connections (for tests and diagnostics).</summary>
    public int WaitingRequests => _pools.Values.Sum(pool => pool.WaitingRequests);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, lend: false, cancellationToken).AsTask();

    /// <summary>
    /// The forwarder's seam (each request, and each attempt of a retried route's request): what <see cref="HttpMessageInvoker"/> would do, without its
    /// <see cref="Task{TResult}"/> per request, and with a response the connection takes back when it is disposed after
    /// its body ended (<see cref="Http1Response"/>). Its caller disposes the response once and does not touch it after.
    /// </summary>
    internal ValueTask<HttpResponseMessage> SendDirectAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, lend: true, cancellationToken);

    private ValueTask<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, bool lend, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no RequestUri.");
        if (request.Method == HttpMethod.Connect
            || (_auto
                ? !IsHttp11Either(request.Version, request.VersionPolicy, https: uri.Scheme == Uri.UriSchemeHttps)
                : request.Version.Major >= 2)
            || (request.Content is not null && request.Headers.NonValidated.Contains("Upgrade")))
        {
            // CONNECT (an HTTP/2 extended CONNECT tunnel) is HTTP/2's, as is (with Auto) a request that SocketsHttpHandler
            // could send as HTTP/2 or HTTP/3; an upgrade that carries a body (sent before the switch) is rare enough to
            // stay there too. An HTTP/1.1 upgrade without one (WebSocket) is this transport's.
            return new ValueTask<HttpResponseMessage>(base.SendAsync(request, cancellationToken));
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new NotSupportedException($"The EdgeKit transport speaks http and https, not '{uri.Scheme}'.");
        }

        var key = (uri.Scheme, uri.IdnHost, uri.Port);
        if (!_pools.TryGetValue(key, out var pool))
        {
            pool = _pools.GetOrAdd(key, static (_, state) => new Http1ConnectionPool(state.Handler, state.Uri), (Handler: this, Uri: uri));
        }

        if (s_propagateActivity && Activity.Current is { } activity)
        {
            InjectTraceContext(activity, request);
        }

        return pool.SendAsync(request, uri, lend, cancellationToken);
    }

    /// <summary>
    /// What <see cref="SocketsHttpHandler"/> does for every request (its diagnostics handler): the current activity's
    /// context goes to the backend in the propagator's fields (W3C <c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>
    /// by default), unless the request already carries them. Only with an activity (a trace is being recorded).
    /// </summary>
    private static void InjectTraceContext(Activity activity, HttpRequestMessage request) =>
        DistributedContextPropagator.Current.Inject(activity, request, static (carrier, name, value) =>
        {
            if (carrier is HttpRequestMessage message && name is not null && !message.Headers.NonValidated.Contains(name))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        });

    /// <summary>The TLS options of one connection to <paramref name="host"/>: the cluster's, with its name for SNI and validation.</summary>
    public SslClientAuthenticationOptions SslOptions(string host) => new()
    {
        TargetHost = host,
        EnabledSslProtocols = _ssl.EnabledSslProtocols,
        RemoteCertificateValidationCallback = _ssl.RemoteCertificateValidationCallback,
        ClientCertificates = _ssl.ClientCertificates,
        ApplicationProtocols = [SslApplicationProtocol.Http11],
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (var pool in _pools.Values)
            {
                pool.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
