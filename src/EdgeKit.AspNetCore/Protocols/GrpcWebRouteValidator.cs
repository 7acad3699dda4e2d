using EdgeKit.AspNetCore.Gateway;
using EdgeKit.Configuration;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.DependencyInjection;

namespace EdgeKit.AspNetCore.Protocols;

/// <summary>Checks that a <see cref="GatewayRouteOptions.GrpcWeb"/> route's cluster reaches its backends over HTTP/2, which gRPC needs.</summary>
internal static class GrpcWebRouteValidator
{
    public static void Validate(string path, GatewayRouteOptions route, EdgeKitOptions clusters, List<string> errors)
    {
        if (!route.GrpcWeb || route.Cluster is null || !clusters.Clusters.TryGetValue(route.Cluster, out var cluster) || cluster?.HttpClient is not { } http)
        {
            return;
        }

        if (http.ParseRequestVersion() is { Major: < 2 } version)
        {
            errors.Add($"{path}: GrpcWeb needs a cluster that reaches its backends over HTTP/2, but cluster '{route.Cluster}' asks for HTTP/{version}; set its HttpClient:RequestVersion to 2.");
            return;
        }

        if (http.VersionPolicy == HttpVersionPolicy.RequestVersionOrLower
            && cluster.Destinations.Values.Any(d => d?.Address is { } address && address.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"{path}: GrpcWeb needs a cluster that reaches its backends over HTTP/2, but cluster '{route.Cluster}' has plain http destinations with VersionPolicy RequestVersionOrLower, which reach them over HTTP/1.1; set its HttpClient:VersionPolicy to RequestVersionExact (h2c).");
        }
    }
}
