using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a <see cref="RequestTransform"/> sees and may change.</summary>
public sealed class RequestTransformContext
{
    internal RequestTransformContext(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken = default)
    {
        CancellationToken = cancellationToken.CanBeCanceled ? cancellationToken : httpContext.RequestAborted;
        HttpContext = httpContext;
        ProxyRequest = proxyRequest;
        DestinationPrefix = destinationPrefix;
        Path = httpContext.Request.Path;
        Query = httpContext.Request.QueryString;
    }

    /// <summary>Cancelled when the client goes away or the route's timeout runs out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// The client's request. A transform may answer it itself (e.g. with <see cref="Forwarding.GatewayProblem.WriteAsync"/>):
    /// once the response has started, the request is not forwarded.
    /// </summary>
    public HttpContext HttpContext { get; }

    /// <summary>The request that will be sent to the backend; its headers and method may be changed, its URI is set after every transform ran.</summary>
    public HttpRequestMessage ProxyRequest { get; }

    /// <summary>The chosen destination's scheme, host, port and path prefix, e.g. <c>http://10.0.0.11:8080/api</c>.</summary>
    public string DestinationPrefix { get; }

    /// <summary>The path sent to the backend (below the destination's prefix). Starts as the client's path.</summary>
    public PathString Path { get; set; }

    /// <summary>The query sent to the backend. Starts as the client's query.</summary>
    public QueryString Query { get; set; }
}
