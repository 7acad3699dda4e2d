using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Gateway;

/// <summary>JWT validation, per-route authorization and identity forwarding through the real gateway, against a local issuer.</summary>
public sealed class GatewayAuthRouteTests : IAsyncLifetime
{
    private TokenIssuer _issuer = null!;
    private Infrastructure.EchoBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TokenIssuer.StartAsync();
        _issuer.AddRsaKey("rsa-1");
        _backend = await Infrastructure.EchoBackend.StartAsync("orders");
        _gateway = await JwtGatewayHost.StartAsync(
            _issuer,
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:o1:Address"] = _backend.Address,
                ["IdentityForwarding:user:Headers:X-User-Id"] = "sub",
                ["IdentityForwarding:user:Headers:X-Scopes"] = "scope",
                ["Routes:orders:Match:Path"] = "/user/orders/{**rest}",
                ["Routes:orders:Cluster"] = "orders",
                ["Routes:orders:AuthorizationPolicy"] = "default",
                ["Routes:orders:IdentityForwarding"] = "user",
                ["Routes:public:Match:Path"] = "/public/{**rest}",
                ["Routes:public:Cluster"] = "orders",
                ["Routes:public:AuthorizationPolicy"] = "anonymous",
            });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private async Task<HttpResponseMessage> Get(string path, string? token, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_valid_token_reaches_the_backend_as_forwarded_claims_and_forged_identity_headers_are_stripped()
    {
        string token = _issuer.CreateToken("rsa-1");

        using var response = await Get("/user/orders/1", token, ("X-User-Id", "mallory"), ("X-Scopes", "admin"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var headers = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["headers"]!;
        headers["x-user-id"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("alice");
        headers["x-scopes"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("orders.read");
        headers["authorization"].Should().BeNull("the caller's token is stripped by default");
    }

    [Fact]
    public async Task Missing_expired_or_foreign_tokens_get_401_with_a_challenge_and_never_reach_the_backend()
    {
        var tokens = new (string Case, string? Token)[]
        {
            ("none", null),
            ("expired", _issuer.CreateToken("rsa-1", new TokenSpec { NotBeforeOffset = TimeSpan.FromHours(-2), ExpiresOffset = TimeSpan.FromHours(-1) })),
            ("wrong audience", _issuer.CreateToken("rsa-1", new TokenSpec { Audience = "billing-api" })),
            ("alg none", _issuer.CreateUnsignedToken("rsa-1")),
            ("garbage", "not.a.token"),
        };

        foreach (var (name, token) in tokens)
        {
            using var response = await Get("/user/orders/1", token, ("X-User-Id", "mallory"));
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, name);
            response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer", name);
        }

        _backend.Requests.Should().Be(0);
        using var open = await Get("/public/x", token: null);
        open.StatusCode.Should().Be(HttpStatusCode.OK, "the anonymous route needs no token");
    }

    [Fact]
    public async Task A_signing_key_rotated_mid_run_is_picked_up_without_a_restart()
    {
        using (var before = await Get("/user/orders/1", _issuer.CreateToken("rsa-1")))
        {
            before.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        _issuer.AddRsaKey("rsa-2");
        using var after = await Get("/user/orders/1", _issuer.CreateToken("rsa-2"));

        after.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_route_naming_unknown_identity_forwarding_is_a_configuration_error()
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["Routes:r:Cluster"] = "c",
            ["Routes:r:IdentityForwarding"] = "users",
        });

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal("EdgeKit:Routes:r: IdentityForwarding 'users' does not exist (none are configured under EdgeKit:IdentityForwarding).");
    }
}
