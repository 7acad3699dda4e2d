using EdgeKit.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Places EdgeKit's load shedding in an ASP.NET Core pipeline.</summary>
public static class ApplicationBuilderEdgeKitLoadSheddingExtensions
{
    /// <summary>
    /// Sheds load for every request that reaches this point of the pipeline (put it early, before the work to protect):
    /// beyond the adaptive concurrency limit, requests get 503 with <c>Retry-After</c> and a problem+json body of type
    /// temporary-reduced-capacity. Requires <c>services.AddEdgeKit().AddLoadShedding()</c>.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The application builder.</returns>
    /// <exception cref="InvalidOperationException"><c>AddLoadShedding</c> was not called.</exception>
    public static IApplicationBuilder UseEdgeKitLoadShedding(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<LoadShedder>() is null)
        {
            throw new InvalidOperationException("UseEdgeKitLoadShedding needs services.AddEdgeKit().AddLoadShedding() first.");
        }

        return app.UseMiddleware<LoadSheddingMiddleware>();
    }
}
