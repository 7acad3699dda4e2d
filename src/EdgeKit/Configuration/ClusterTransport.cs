namespace EdgeKit.Configuration;

/// <summary>Which HTTP client implementation a gateway uses to reach a cluster's destinations.</summary>
public enum ClusterTransport
{
    /// <summary>.NET's <see cref="System.Net.Http.SocketsHttpHandler"/>: HTTP/1.1, HTTP/2 and HTTP/3. The default.</summary>
    SocketsHttpHandler,

    /// <summary>
    /// EdgeKit's own HTTP/1.1 transport (cleartext and TLS): pooled connections over System.IO.Pipelines, strict RFC 9112
    /// response parsing. HTTP/1.1 only; upgrades (WebSocket) still go through <see cref="SocketsHttpHandler"/>.
    /// </summary>
    EdgeKit,
}
