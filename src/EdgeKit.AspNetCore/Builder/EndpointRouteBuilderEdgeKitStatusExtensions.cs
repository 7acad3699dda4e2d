using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Status;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the gateway's status API.</summary>
public static class EndpointRouteBuilderEdgeKitStatusExtensions
{
    /// <summary>The status API's default path.</summary>
    public const string DefaultStatusPath = "/edgekit/status";

    /// <summary>
    /// Maps a JSON document listing routes, clusters and destinations with their health, requests in flight, latency and
    /// ejections. It shows backend addresses, so it always sits behind an authorization policy: name one (e.g. an
    /// operators' policy); <c>anonymous</c> opens it deliberately (for a gateway reachable only from an internal network).
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="authorizationPolicy">The ASP.NET authorization policy required, <c>default</c> for an authenticated user, or <c>anonymous</c>.</param>
    /// <param name="pattern">The path; default <see cref="DefaultStatusPath"/>.</param>
    /// <returns>A builder for further conventions.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="authorizationPolicy"/> or <paramref name="pattern"/> is null or blank.</exception>
    /// <exception cref="InvalidOperationException">The gateway was not added.</exception>
    /// <exception cref="EdgeKit.Configuration.EdgeKitConfigurationException">The policy does not exist, or authorization or authentication services are missing.</exception>
    public static IEndpointConventionBuilder MapEdgeKitStatus(this IEndpointRouteBuilder endpoints, string authorizationPolicy, string pattern = DefaultStatusPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var handler = GatewayStatusWriter.CreateHandler(endpoints.ServiceProvider, nameof(MapEdgeKitStatus));
        endpoints.ServiceProvider.GetService<GatewayPolicyReferences>()?.CheckEndpointPolicy(nameof(MapEdgeKitStatus), authorizationPolicy);
        return endpoints.MapGet(pattern, handler)
            .WithDisplayName("EdgeKit status")
            .WithMetadata(AuthorizationPolicyMetadata.For(authorizationPolicy));
    }
}
