using EdgeKit.AspNetCore.Admin;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Gateway;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the gateway's admin API: the shared configuration document, its versions and rollback.</summary>
public static class EndpointRouteBuilderEdgeKitAdminExtensions
{
    /// <summary>The admin API's default path.</summary>
    public const string DefaultAdminPath = "/edgekit/admin";

    /// <summary>
    /// Maps the admin API of the configuration store added with <c>AddConfigurationStore</c>, below <paramref name="pattern"/>:
    /// <c>GET configuration</c> (the document, its version in <c>ETag</c>), <c>PUT configuration</c> and
    /// <c>PATCH configuration/{collection}/{name}</c> (with <c>If-Match</c>: 428 without, 412 when another change came first),
    /// <c>POST configuration/validate</c> (dry run), <c>GET configuration/versions</c>, <c>GET configuration/versions/{version}</c>
    /// and <c>POST configuration/rollback/{version}</c>. It changes what every instance serves, so it always sits behind an
    /// authorization policy: name one (an operators' policy).
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="authorizationPolicy">The ASP.NET authorization policy required, <c>default</c> for an authenticated user, or <c>anonymous</c>.</param>
    /// <param name="pattern">The path below which the API is mapped; default <see cref="DefaultAdminPath"/>.</param>
    /// <returns>A builder for further conventions.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="authorizationPolicy"/> or <paramref name="pattern"/> is null or blank, or the pattern does not start with '/'.</exception>
    /// <exception cref="InvalidOperationException">No configuration store was added.</exception>
    /// <exception cref="EdgeKit.Configuration.EdgeKitConfigurationException">The policy does not exist, or authorization or authentication services are missing.</exception>
    public static IEndpointConventionBuilder MapEdgeKitAdmin(this IEndpointRouteBuilder endpoints, string authorizationPolicy, string pattern = DefaultAdminPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        if (pattern[0] != '/')
        {
            throw new ArgumentException($"The admin API path '{pattern}' must start with '/'.", nameof(pattern));
        }

        var admin = endpoints.ServiceProvider.GetService<ConfigurationAdmin>()
            ?? throw new InvalidOperationException("The EdgeKit configuration store is not registered. Call builder.Services.AddEdgeKit().AddGateway(...).AddConfigurationStore(builder.Configuration, store) before app.MapEdgeKitAdmin(...).");
        endpoints.ServiceProvider.GetService<GatewayPolicyReferences>()?.CheckEndpointPolicy(nameof(MapEdgeKitAdmin), authorizationPolicy);
        var group = endpoints.MapGroup(pattern.TrimEnd('/') + "/configuration");
        group.MapGet("/", (RequestDelegate)admin.GetAsync).WithDisplayName("EdgeKit admin: configuration");
        group.MapPut("/", (RequestDelegate)admin.PutAsync).WithDisplayName("EdgeKit admin: replace configuration");
        group.MapPost("/validate", (RequestDelegate)admin.ValidateAsync).WithDisplayName("EdgeKit admin: validate configuration");
        group.MapGet("/versions", (RequestDelegate)admin.ListAsync).WithDisplayName("EdgeKit admin: configuration versions");
        group.MapGet("/versions/{version:long}", context => admin.GetVersionAsync(context, Version(context))).WithDisplayName("EdgeKit admin: configuration version");
        group.MapPost("/rollback/{version:long}", context => admin.RollbackAsync(context, Version(context))).WithDisplayName("EdgeKit admin: roll back configuration");
        group.MapMethods("/{**path}", ["PATCH"], context => admin.PatchAsync(context, context.GetRouteValue("path") as string)).WithDisplayName("EdgeKit admin: patch configuration");
        group.WithMetadata(AuthorizationPolicyMetadata.For(authorizationPolicy));
        return group;
    }

    private static long Version(HttpContext context) =>
        long.Parse((string)context.GetRouteValue("version")!, System.Globalization.CultureInfo.InvariantCulture);
}
