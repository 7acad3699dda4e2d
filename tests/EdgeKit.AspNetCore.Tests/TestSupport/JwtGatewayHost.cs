using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

/// <summary>A gateway whose routes authenticate with EdgeKit's JWT preset against a local <see cref="TokenIssuer"/>.</summary>
internal static class JwtGatewayHost
{
    /// <summary>Starts a gateway with <paramref name="settings"/> (keys below <c>EdgeKit</c>), JWT authentication and authorization.</summary>
    public static Task<GatewayHost> StartAsync(TokenIssuer issuer, IDictionary<string, string?> settings) =>
        GatewayHost.StartAsync(
            settings,
            builder =>
            {
                builder.Services.AddAuthentication().AddEdgeKitJwt(o =>
                {
                    o.Authority = issuer.Issuer;
                    o.Audiences = [TokenIssuer.Audience];
                    o.RequireHttpsMetadata = false;
                });
                builder.Services.AddAuthorization();
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
            });
}
