using System.Text.Json;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Status;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Authorization;
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
    public static IEndpointConventionBuilder MapEdgeKitStatus(this IEndpointRouteBuilder endpoints, string authorizationPolicy, string pattern = DefaultStatusPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var configuration = endpoints.ServiceProvider.GetService<GatewayConfiguration>()
            ?? throw new InvalidOperationException("The EdgeKit gateway is not registered. Call builder.Services.AddEdgeKit().AddGateway(...) before app.MapEdgeKitStatus(...).");
        var registry = endpoints.ServiceProvider.GetRequiredService<ClusterRegistry>();
        var time = endpoints.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        var rateLimits = endpoints.ServiceProvider.GetService<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicies>();
        RequestDelegate handler = async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-store";
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
            GatewayStatusWriter.Write(writer, configuration.Current, registry, time, rateLimits);
            await writer.FlushAsync(context.RequestAborted);
        };
        var builder = endpoints.MapGet(pattern, handler).WithDisplayName("EdgeKit status");
        if (authorizationPolicy.Equals("anonymous", StringComparison.OrdinalIgnoreCase))
        {
            builder.AllowAnonymous();
        }
        else if (authorizationPolicy.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            builder.RequireAuthorization();
        }
        else
        {
            builder.RequireAuthorization(new AuthorizeAttribute(authorizationPolicy));
        }

        return builder;
    }
}
