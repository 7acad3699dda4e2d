using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Authentication;

/// <summary>A token issuer (RSA key <c>rsa-1</c>, EC key <c>ec-1</c>), an echo backend, and a gateway trusting the issuer through discovery.</summary>
public sealed class JwtGatewayFixture : IAsyncLifetime
{
    internal TokenIssuer Issuer { get; private set; } = null!;

    internal EchoBackend Backend { get; private set; } = null!;

    internal TestApp Gateway { get; private set; } = null!;

    internal System.Security.Cryptography.RSA RsaKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Issuer = await TokenIssuer.StartAsync();
        RsaKey = Issuer.AddRsaKey("rsa-1");
        Issuer.AddEcKey("ec-1");
        Backend = await EchoBackend.StartAsync();
        Gateway = await StartGatewayAsync(Issuer, Backend);
    }

    internal static Task<TestApp> StartGatewayAsync(TokenIssuer issuer, EchoBackend backend, Action<EdgeKit.AspNetCore.Authentication.EdgeKitJwtOptions>? configure = null) =>
        TestApp.StartAsync(
            builder =>
            {
                builder.Services.AddAuthentication().AddEdgeKitJwt(o =>
                {
                    o.Authority = issuer.Issuer;
                    o.Audiences = [TokenIssuer.Audience];
                    o.RequireHttpsMetadata = false;
                    configure?.Invoke(o);
                });
                TestSupport.AuthTestGateway.AddPolicies(builder, "Bearer");
            },
            app => TestSupport.AuthTestGateway.MapForwarding(app, backend.Address, new IdentityForwardingOptions
            {
                Headers = { ["X-User-Id"] = "sub", ["X-Scopes"] = "scope", ["X-Client-Id"] = "client_id" },
            }));

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
