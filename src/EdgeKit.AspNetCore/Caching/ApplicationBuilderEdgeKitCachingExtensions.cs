using EdgeKit.AspNetCore.Caching;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The EdgeKit HTTP cache middleware on an <see cref="IApplicationBuilder"/>.</summary>
public static class ApplicationBuilderEdgeKitCachingExtensions
{
    /// <summary>
    /// Adds the middleware that answers requests to endpoints carrying <see cref="EdgeKitCachePolicyMetadata"/> from
    /// their policy's RFC 9111 cache. Call it after routing (and after authentication, authorization and rate limiting,
    /// so a cached response never skips them) and register the policies with
    /// <c>services.AddEdgeKit().AddCaching(...)</c>/<c>AddCachePolicy(...)</c>. Endpoints without the metadata are not touched.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The application builder.</returns>
    public static IApplicationBuilder UseEdgeKitCaching(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<HttpCachingMiddleware>();
    }
}
