using EdgeKit.AspNetCore.Gateway;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the EdgeKit gateway's routes.</summary>
public static class EndpointRouteBuilderEdgeKitExtensions
{
    /// <summary>
    /// Maps every gateway route as an endpoint. Routes follow configuration reloads. The returned builder adds
    /// conventions to every route (e.g. <c>.RequireAuthorization()</c> for all of them).
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <returns>A builder for conventions applied to every gateway route.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The gateway was not added (<c>services.AddEdgeKit().AddGateway(...)</c>).</exception>
    /// <exception cref="EdgeKit.Configuration.EdgeKitConfigurationException">The gateway's configuration is invalid; every problem is listed.</exception>
    public static IEndpointConventionBuilder MapEdgeKit(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var dataSource = endpoints.ServiceProvider.GetService<GatewayEndpointDataSource>()
            ?? throw new InvalidOperationException("The EdgeKit gateway is not registered. Call builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection(\"EdgeKit\")) before app.MapEdgeKit().");
        if (!endpoints.DataSources.Contains(dataSource))
        {
            endpoints.DataSources.Add(dataSource);
        }

        return dataSource;
    }
}
