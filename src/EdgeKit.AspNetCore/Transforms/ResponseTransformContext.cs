using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a <see cref="ResponseTransform"/> sees and may change.</summary>
public sealed class ResponseTransformContext
{
    internal ResponseTransformContext(HttpContext httpContext, HttpResponseMessage proxyResponse)
    {
        HttpContext = httpContext;
        ProxyResponse = proxyResponse;
    }

    /// <summary>The client's exchange; <c>HttpContext.Response.Headers</c> already holds the backend's headers.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The backend's response.</summary>
    public HttpResponseMessage ProxyResponse { get; }
}
