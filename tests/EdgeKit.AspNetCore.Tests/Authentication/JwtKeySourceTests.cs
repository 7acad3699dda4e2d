using System.Net;
using System.Net.Http.Headers;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Authentication;

/// <summary>Keys from a bare JWKS URL, and tokens whose lifetime exceeds the configured maximum.</summary>
public sealed class JwtKeySourceTests : IAsyncLifetime
{
    private TokenIssuer _issuer = null!;
    private EchoBackend _backend = null!;
    private TestApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TokenIssuer.StartAsync();
        _issuer.AddEcKey("ec-1");
        _backend = await EchoBackend.StartAsync();
        _gateway = await TestApp.StartAsync(
            builder =>
            {
                builder.Services.AddAuthentication().AddEdgeKitJwt(o =>
                {
                    o.JwksUri = _issuer.JwksUri;
                    o.Issuers = [_issuer.Issuer];
                    o.Audiences = [TokenIssuer.Audience];
                    o.RequireHttpsMetadata = false;
                    o.MaxTokenLifetime = TimeSpan.FromMinutes(90);
                });
                AuthTestGateway.AddPolicies(builder, "Bearer");
            },
            app => AuthTestGateway.MapForwarding(app, _backend.Address, new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub" } }));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private Task<HttpResponseMessage> SendAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/authenticated/x");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Keys_come_from_the_JWKS_URL_without_discovery()
    {
        (await (await SendAsync(_issuer.CreateToken("ec-1"))).ReadEchoAsync()).Headers["x-user-id"].Should().Be("alice");

        _issuer.DiscoveryRequests.Should().Be(0);
        _issuer.JwksRequests.Should().Be(1);
    }

    [Fact]
    public async Task A_token_living_longer_than_MaxTokenLifetime_is_refused()
    {
        using var failures = new AuthFailureRecorder();

        var response = await SendAsync(_issuer.CreateToken("ec-1", new TokenSpec { NotBeforeOffset = TimeSpan.FromMinutes(-1), ExpiresOffset = TimeSpan.FromHours(2) }));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        _backend.Requests.Should().Be(0);
        failures.ReasonsFor("Bearer").Should().Contain("lifetime_too_long");
    }
}
