using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a <see cref="RequestTransform"/> sees and may change. Valid only while the transform runs: EdgeKit reuses it.</summary>
public sealed class RequestTransformContext
{
    internal RequestTransformContext(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken = default) =>
        Reset(httpContext, proxyRequest, destinationPrefix, cancellationToken);

    internal RequestTransformContext()
    {
    }

    /// <summary>Drops every reference, so a pooled context holds no request.</summary>
    internal void Clear()
    {
        HttpContext = null!;
        ProxyRequest = null!;
        DestinationPrefix = "";
        CancellationToken = default;
        Path = default;
        Query = default;
    }

    /// <summary>Points this (reused) context at another request: EdgeKit keeps one per forwarded request's pooled state.</summary>
    internal void Reset(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        CancellationToken = cancellationToken.CanBeCanceled ? cancellationToken : httpContext.RequestAborted;
        HttpContext = httpContext;
        ProxyRequest = proxyRequest;
        DestinationPrefix = destinationPrefix;
        Path = httpContext.Request.Path;
        Query = httpContext.Request.QueryString;
    }

    /// <summary>Cancelled when the client goes away or the route's timeout runs out.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>
    /// The client's request. A transform may answer it itself (e.g. with <see cref="Http.GatewayProblem.WriteAsync"/>):
    /// once the response has started, the request is not forwarded.
    /// </summary>
    public HttpContext HttpContext { get; private set; } = null!;

    /// <summary>
    /// The request that will be sent to the backend; its headers and method may be changed, its URI is set after every
    /// transform ran. Valid only while the transform runs: the gateway reuses the message (cleared) for later requests.
    /// </summary>
    public HttpRequestMessage ProxyRequest { get; private set; } = null!;

    /// <summary>The chosen destination's scheme, host, port and path prefix, e.g. <c>http://10.0.0.11:8080/api</c>.</summary>
    public string DestinationPrefix { get; private set; } = "";

    /// <summary>The path sent to the backend (below the destination's prefix). Starts as the client's path.</summary>
    public PathString Path { get; set; }

    /// <summary>The query sent to the backend. Starts as the client's query.</summary>
    public QueryString Query { get; set; }
}
