using EdgeKit.AspNetCore.Caching;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Puts endpoints under an EdgeKit cache policy.</summary>
public static class EndpointConventionBuilderEdgeKitCachingExtensions
{
    /// <summary>
    /// Caches the responses of these endpoints under the policy <paramref name="policyName"/> (RFC 9111: what the
    /// responses' own Cache-Control allows). Needs <c>app.UseEdgeKitCaching()</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <param name="policyName">The policy, from <c>AddCachePolicy</c> or <c>EdgeKit:Caching:Policies:&lt;name&gt;</c>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder CacheWithEdgeKit<TBuilder>(this TBuilder builder, string policyName)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var metadata = new EdgeKitCachePolicyMetadata(policyName);
        builder.Add(endpoint => endpoint.Metadata.Add(metadata));
        return builder;
    }
}
