using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>EdgeKit's load shedding for ASP.NET Core apps.</summary>
public static class EdgeKitBuilderLoadSheddingExtensions
{
    /// <summary>
    /// Adds EdgeKit's load shedding: an adaptive concurrency limit (AIMD on latency) that answers 503 with the
    /// temporary-reduced-capacity problem type when latency climbs. The app places it with <c>app.UseEdgeKitLoadShedding()</c>.
    /// Options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">Changes the defaults; optional.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddLoadShedding(this IEdgeKitBuilder builder, Action<LoadSheddingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoadShedder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LoadSheddingOptions>, LoadSheddingOptionsValidator>());
        var options = services.AddOptions<LoadSheddingOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }
}
