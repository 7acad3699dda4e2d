using EdgeKit.AspNetCore.Http;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a <see cref="ResponseTransform"/> sees and may change. Valid only while the transform runs: EdgeKit reuses it.</summary>
public sealed class ResponseTransformContext
{
    internal ResponseTransformContext(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken = default) =>
        Reset(httpContext, proxyResponse, cancellationToken);

    internal ResponseTransformContext()
    {
    }

    /// <summary>Drops every reference, so a pooled context holds no response.</summary>
    internal void Clear()
    {
        HttpContext = null!;
        ProxyResponse = null!;
        CancellationToken = default;
    }

    /// <summary>Points this (reused) context at another response: EdgeKit keeps one per forwarded request's pooled state.</summary>
    internal void Reset(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        CancellationToken = cancellationToken.CanBeCanceled ? cancellationToken : httpContext.RequestAborted;
        HttpContext = httpContext;
        ProxyResponse = proxyResponse;
    }

    /// <summary>The client's exchange; <c>HttpContext.Response</c> already holds the backend's status and headers.</summary>
    public HttpContext HttpContext { get; private set; } = null!;

    /// <summary>Cancelled when the client goes away or the route's timeout runs out.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>
    /// The backend's response. A transform may replace its <see cref="HttpResponseMessage.Content"/> (the body is copied
    /// from it after every transform ran), or answer the client itself (once the response has started, nothing of the
    /// backend's response is sent).
    /// </summary>
    public HttpResponseMessage ProxyResponse { get; private set; } = null!;

    /// <summary>
    /// Marks a response header this transform wrote as meant for this request or client alone (a request id, a value
    /// computed from the client): a route's cache sends it with this response but never stores it, so it is neither
    /// replayed to other clients nor present on answers from the cache. Headers not marked are stored with the
    /// backend's response as the transforms left it.
    /// </summary>
    /// <param name="headerName">The header's name (case-insensitive).</param>
    /// <exception cref="ArgumentException"><paramref name="headerName"/> is null or empty.</exception>
    public void MarkPerRequest(string headerName)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerName);
        PerRequestResponseHeaders.Mark(HttpContext, headerName);
    }
}
