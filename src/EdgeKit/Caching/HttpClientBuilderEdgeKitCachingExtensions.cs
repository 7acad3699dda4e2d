using EdgeKit.Caching;
using EdgeKit.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The EdgeKit HTTP cache for <see cref="IHttpClientBuilder"/>.</summary>
public static class HttpClientBuilderEdgeKitCachingExtensions
{
    /// <summary>
    /// Adds an RFC 9111 cache to this client, as a policy named after the client, keeping entries in the application's
    /// cache store (by default in memory, 64 MiB). Add it before <c>AddEdgeKitBalancing</c> and resilience handlers so
    /// that a hit never reaches them.
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="configure">Sets the cache's options (shared-cache mode by default; use <see cref="HttpCacheMode.Private"/> for a single user's client).</param>
    /// <returns>The HttpClient builder.</returns>
    public static IHttpClientBuilder AddEdgeKitCaching(this IHttpClientBuilder builder, Action<HttpCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEdgeKit().AddCachePolicy(builder.Name, configure);
        return builder.AddEdgeKitCaching(builder.Name);
    }

    /// <summary>
    /// Adds an RFC 9111 cache to this client that follows the cache policy <paramref name="policyName"/>
    /// (from <c>AddCachePolicy</c> or <c>EdgeKit:Caching:Policies</c>).
    /// </summary>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="policyName">The policy's name.</param>
    /// <returns>The HttpClient builder.</returns>
    /// <exception cref="KeyNotFoundException">When a client is created and no policy has that name.</exception>
    public static IHttpClientBuilder AddEdgeKitCaching(this IHttpClientBuilder builder, string policyName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        builder.Services.AddEdgeKit().AddCaching();
        builder.AddHttpMessageHandler(sp => new HttpCachingHandler(sp.GetRequiredService<HttpCacheRegistry>().Get(policyName)));
        return builder;
    }
}
