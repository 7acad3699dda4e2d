using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.IdentityForwarding;

/// <summary>
/// Forged identity headers in other spellings (<c>X_User_Id</c>, <c>x-user_id</c>, ...), which CGI, WSGI and PHP
/// backends read as <c>X-User-Id</c>, never reach a backend: through the real gateway, on routes with identity
/// forwarding and on routes without, against a Kestrel backend that records the headers it received.
/// </summary>
public sealed class IdentityHeaderSpellingTests : IAsyncLifetime
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
                ["IdentityForwarding:partner:Headers:X-Partner-Id"] = "client_id", // used by no route: still protected
                ["Routes:orders:Match:Path"] = "/user/{**rest}",
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

    private static readonly (string Name, string Value)[] s_forged =
    [
        ("X_User_Id", "admin"),
        ("x-user_id", "admin"),
        ("X_USER-ID", "admin"),
        ("X-User-Id", "admin"),
        ("x_scopes", "orders.write"),
        ("X_Partner_Id", "root"),
        ("x-partner-id", "root"),
    ];

    // Near misses, which must pass: not the same name to any backend.
    private static readonly (string Name, string Value)[] s_innocent =
    [
        ("X-User-Ids", "1"),
        ("X-User", "2"),
        ("X.User.Id", "3"),
        ("XUserId", "4"),
        ("X-Request-Id", "5"),
    ];

    private async Task<JsonObject> SendAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in s_forged.Concat(s_innocent))
        {
            request.Headers.TryAddWithoutValidation(name, value).Should().BeTrue(name);
        }

        using var response = await _gateway.Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["headers"]!;
    }

    private static string[] Values(JsonObject headers, string name) =>
        headers[name]?.AsArray().Select(v => v!.GetValue<string>()).ToArray() ?? [];

    [Fact]
    public async Task On_a_route_with_identity_forwarding_only_the_gateways_identity_headers_arrive()
    {
        var headers = await SendAsync("/user/orders/1", _issuer.CreateToken("rsa-1"));

        Values(headers, "x-user-id").Should().Equal("alice");
        Values(headers, "x-scopes").Should().Equal("orders.read");
        headers.Select(h => h.Key).Should().NotContain(["x_user_id", "x-user_id", "x_user-id", "x_scopes", "x_partner_id", "x-partner-id"]);
        foreach (var (name, value) in s_innocent)
        {
            Values(headers, name.ToLowerInvariant()).Should().Equal([value], name);
        }
    }

    [Fact]
    public async Task On_a_route_without_identity_forwarding_every_spelling_of_every_configured_identity_header_is_dropped()
    {
        var headers = await SendAsync("/public/x", token: null);

        headers.Select(h => h.Key).Should().NotContain(["x-user-id", "x_user_id", "x-user_id", "x_user-id", "x_scopes", "x_partner_id", "x-partner-id"]);
        foreach (var (name, value) in s_innocent)
        {
            Values(headers, name.ToLowerInvariant()).Should().Equal([value], name);
        }

        _gateway.Logs.Entries.Where(e => e.EventId == 1307).Select(e => e.Message).Should().Contain(
            "Identity forwarding: incoming header 'X_User_Id' removed; only the gateway sets it.",
            "Identity forwarding: incoming header 'X_Partner_Id' removed; only the gateway sets it.");
    }

    [Fact]
    public async Task Without_identity_forwarding_profiles_no_header_is_dropped()
    {
        await using var plain = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = _backend.Address,
            ["Routes:public:Match:Path"] = "/public/{**rest}",
            ["Routes:public:Cluster"] = "orders",
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/public/x");
        request.Headers.TryAddWithoutValidation("X_User_Id", "someone");

        using var response = await plain.Client.SendAsync(request);

        var headers = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["headers"]!;
        Values(headers, "x_user_id").Should().Equal("someone");
    }
}
