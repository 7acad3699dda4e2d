using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>A cluster as the forwarder uses it: the balancing core's cluster and the connection pool to its destinations.</summary>
internal sealed class ForwarderCluster(Cluster cluster, HttpMessageInvoker invoker, ClusterHttpClientOptions options, Version version, Http1Handler? direct = null)
{
    public Cluster Cluster { get; } = cluster;

    public HttpMessageInvoker Invoker { get; } = invoker;

    /// <summary>The EdgeKit transport under <see cref="Invoker"/>, when the cluster uses it (null on SocketsHttpHandler).</summary>
    public Http1Handler? Direct { get; } = direct;

    /// <summary>
    /// Sends a request (or one attempt of a retried route's request): straight to the EdgeKit transport when the cluster uses it (no
    /// <see cref="Task{TResult}"/>, the response reused by the connection after its disposal: the caller disposes it once
    /// and does not touch it after), else, or while System.Net.Http's events are listened to, through <see cref="Invoker"/>.
    /// </summary>
    public ValueTask<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Direct is { } direct && !HttpClientEvents.Enabled
            ? direct.SendDirectAsync(request, cancellationToken)
            : new ValueTask<HttpResponseMessage>(Invoker.SendAsync(request, cancellationToken));

    public ClusterHttpClientOptions Options { get; } = options;

    public Version Version { get; } = version;

    public HttpVersionPolicy VersionPolicy { get; } = options.VersionPolicy;

    private long _bufferedBodies;

    /// <summary>
    /// How many responses of EdgeKit's transport were passed on whole from the connection's buffer (the small-response
    /// fast path: body in the same read as the head, or no body), rather than copied from the body stream (for tests and
    /// diagnostics).
    /// </summary>
    public long BufferedBodies => Volatile.Read(ref _bufferedBodies);

    /// <summary>Counts a response passed on by the small-response fast path.</summary>
    public void CountBufferedBody() => Interlocked.Increment(ref _bufferedBodies);

    /// <summary>Limits the warnings about the cluster's failed requests to one per <see cref="HttpForwarder.FailureLogInterval"/>.</summary>
    public Telemetry.LogThrottle FailureLog { get; } = new();
}
