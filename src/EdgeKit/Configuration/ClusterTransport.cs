namespace EdgeKit.Configuration;

/// <summary>Which HTTP client implementation a gateway uses to reach a cluster's destinations.</summary>
public enum ClusterTransport
{
    /// <summary>
    /// The default: <see cref="ClusterTransport.EdgeKit"/> for every request that goes over HTTP/1.1 whichever client sends it, and
    /// <see cref="ClusterTransport.SocketsHttpHandler"/> for the rest. A request is HTTP/1.1 either way when the cluster's
    /// <see cref="ClusterHttpClientOptions.RequestVersion"/> is <c>1.1</c> (unless <see cref="System.Net.Http.HttpVersionPolicy.RequestVersionOrHigher"/>
    /// lets an https destination negotiate HTTP/2), or when it is <c>2</c> or <c>3</c> with
    /// <see cref="System.Net.Http.HttpVersionPolicy.RequestVersionOrLower"/> (the defaults) to a plain <c>http</c>
    /// destination, where .NET does not try HTTP/2 either. So an https destination that may answer in HTTP/2 (ALPN),
    /// h2c, HTTP/3, <c>RequestVersion</c> <c>1.0</c> and HTTP/2 extended <c>CONNECT</c> stay on <see cref="ClusterTransport.SocketsHttpHandler"/>;
    /// WebSocket and other HTTP/1.1 upgrades go through <see cref="ClusterTransport.EdgeKit"/>.
    /// </summary>
    Auto = 0,

    /// <summary>.NET's <see cref="System.Net.Http.SocketsHttpHandler"/> for every request: HTTP/1.0, HTTP/1.1, HTTP/2 and HTTP/3.</summary>
    SocketsHttpHandler = 1,

    /// <summary>
    /// EdgeKit's own HTTP/1.1 transport (cleartext and TLS) for every request: pooled connections over System.IO.Pipelines,
    /// strict RFC 9112 response parsing. HTTP/1.1 only (a cluster that demands HTTP/2 or HTTP/3 fails the start, one that
    /// merely allows them gets HTTP/1.1, even from an https destination that offers HTTP/2). HTTP/1.1 upgrades (WebSocket)
    /// use it too, a tunnel holding its <c>MaxConnectionsPerServer</c> place until it closes; an HTTP/2 extended
    /// <c>CONNECT</c> to an HTTP/2 backend still goes through <see cref="ClusterTransport.SocketsHttpHandler"/>.
    /// </summary>
    EdgeKit = 2,
}
