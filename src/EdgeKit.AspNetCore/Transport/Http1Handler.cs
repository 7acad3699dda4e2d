using System.Collections.Concurrent;
using System.Net.Security;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// EdgeKit's own HTTP/1.1 transport, as the <see cref="HttpMessageHandler"/> a cluster's invoker sends through when its
/// <c>HttpClient:Transport</c> is <c>EdgeKit</c>: one <see cref="Http1ConnectionPool"/> per destination, the request head
/// written from the message's unvalidated headers straight into the connection's pipe, the response head parsed
/// strictly (RFC 9112). Never resends a request: every failure goes to the caller (the forwarder's resilience pipeline
/// decides). Upgrades (WebSocket, extended CONNECT) go through a <see cref="SocketsHttpHandler"/> built from the same
/// options.
/// </summary>
internal sealed class Http1Handler : HttpMessageHandler
{
    /// <summary>How long a request with <c>Expect: 100-continue</c> waits for the backend's 100 before sending its body anyway.</summary>
    public static readonly TimeSpan DefaultExpectContinueTimeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Scheme, string Host, int Port), Http1ConnectionPool> _pools = new();
    private readonly SslClientAuthenticationOptions _ssl;
    private readonly Lazy<HttpMessageInvoker> _upgrades;
    private int _disposed;

    public Http1Handler(ClusterHttpClientOptions options, TimeProvider? time = null, TimeSpan? expectContinueTimeout = null)
    {
        Options = options;
        Time = time ?? TimeProvider.System;
        ExpectContinueTimeout = expectContinueTimeout ?? DefaultExpectContinueTimeout;
        _ssl = BackendHandlers.CreateSslOptions(options);
        _upgrades = new Lazy<HttpMessageInvoker>(() => new HttpMessageInvoker(BackendHandlers.CreateHandler(options), disposeHandler: true));
    }

    public ClusterHttpClientOptions Options { get; }

    public TimeProvider Time { get; }

    public TimeSpan ExpectContinueTimeout { get; }

    /// <summary>Connections open now to all destinations (for tests and diagnostics).</summary>
    public int OpenConnections => _pools.Values.Sum(pool => pool.OpenConnections);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, lend: false, cancellationToken).AsTask();

    /// <summary>
    /// The forwarder's seam (a route without retries): what <see cref="HttpMessageInvoker"/> would do, without its
    /// <see cref="Task{TResult}"/> per request, and with a response the connection takes back when it is disposed after
    /// its body ended (<see cref="Http1Response"/>). Its caller disposes the response once and does not touch it after.
    /// </summary>
    internal ValueTask<HttpResponseMessage> SendDirectAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendCoreAsync(request, lend: true, cancellationToken);

    private ValueTask<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, bool lend, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no RequestUri.");
        if (request.Method == HttpMethod.Connect || request.Version.Major >= 2 || request.Headers.NonValidated.Contains("Upgrade"))
        {
            // A tunnel (WebSocket, extended CONNECT) stays on SocketsHttpHandler for now.
            return new ValueTask<HttpResponseMessage>(_upgrades.Value.SendAsync(request, cancellationToken));
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

        return pool.SendAsync(request, uri, lend, cancellationToken);
    }

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

            if (_upgrades.IsValueCreated)
            {
                _upgrades.Value.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
