using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Tests.Authorization;

/// <summary>Policies from configuration, with JWT (static key) and API keys side by side.</summary>
public sealed class AuthorizationPolicyTests : IAsyncLifetime
{
    private const string Key = "ek_live_reports_0123456789abcdef012";
    private readonly RSA _rsa = RSA.Create(2048);
    private EchoBackend _backend = null!;
    private TestApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await StartAsync(_rsa, _backend, new Dictionary<string, string?>
        {
            ["EdgeKit:Authorization:DefaultAuthenticationSchemes:0"] = "Bearer",
            ["EdgeKit:Authorization:DefaultAuthenticationSchemes:1"] = "ApiKey",
            ["EdgeKit:Authorization:Policies:public:Anonymous"] = "true",
            ["EdgeKit:Authorization:Policies:readers:Scopes:0"] = "orders.read",
            ["EdgeKit:Authorization:Policies:eu-admins:Roles:0"] = "admin",
            ["EdgeKit:Authorization:Policies:eu-admins:Claims:tenant:0"] = "eu-1",
            ["EdgeKit:Authorization:Policies:eu-admins:Claims:tenant:1"] = "eu-2",
            ["EdgeKit:Authorization:Policies:keys-only:AuthenticationSchemes:0"] = "ApiKey",
        });
    }

    internal static Task<TestApp> StartAsync(RSA rsa, EchoBackend backend, Dictionary<string, string?> config) => TestApp.StartAsync(
        builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Services.AddAuthentication()
                .AddEdgeKitJwt(o =>
                {
                    o.Issuers = ["https://issuer.test"];
                    o.Audiences = ["orders-api"];
                    o.SigningKeys = [new() { KeyId = "static-1", PublicKeyPem = rsa.ExportSubjectPublicKeyInfoPem() }];
                })
                .AddEdgeKitApiKeys(configure: o => o.Keys["reports"] = new() { Hash = ApiKeyHash.Compute(Key), ClientId = "reports", Scopes = ["orders.read"] });
            builder.Services.AddEdgeKit().AddAuthorizationPolicies(builder.Configuration.GetSection("EdgeKit:Authorization"));
            builder.Services.AddHttpClient("backend");
        },
        app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            var forwarder = new IdentityForwarder(new IdentityForwardingOptions { Headers = { ["X-User"] = "sub", ["X-Client"] = "client_id" } });
            foreach (var policy in new[] { "public", "readers", "eu-admins", "keys-only", "anonymous" })
            {
                app.MapGet($"/{policy}", async (Microsoft.AspNetCore.Http.HttpContext context, IHttpClientFactory clients) =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, backend.Address);
                    forwarder.Apply(context, request);
                    using var response = await clients.CreateClient("backend").SendAsync(request);
                    return Microsoft.AspNetCore.Http.Results.Text(await response.Content.ReadAsStringAsync(), "application/json");
                }).RequireEdgeKitPolicy(policy);
            }
        });

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        _rsa.Dispose();
    }

    private string Token(Dictionary<string, object>? claims = null)
    {
        var all = new Dictionary<string, object> { ["sub"] = "alice" };
        foreach (var (k, v) in claims ?? [])
        {
            all[k] = v;
        }

        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer.test",
            Audience = "orders-api",
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = all,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "static-1" }, SecurityAlgorithms.RsaSsaPssSha256),
        });
    }

    private Task<HttpResponseMessage> GetAsync(string path, string? token = null, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return _gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Without_credentials_every_default_scheme_challenges_in_one_401()
    {
        var response = await GetAsync("readers");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Equal("Bearer", "ApiKey");
        _backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Either_scheme_satisfies_a_policy_over_both()
    {
        (await (await GetAsync("readers", key: Key)).ReadEchoAsync()).Headers["x-client"].Should().Be("reports");
        (await (await GetAsync("readers", token: Token(new() { ["scope"] = "orders.read orders.write" }))).ReadEchoAsync()).Headers["x-user"].Should().Be("alice");
    }

    [Fact]
    public async Task A_policy_naming_one_scheme_ignores_the_others()
    {
        var response = await GetAsync("keys-only", token: Token(new() { ["scope"] = "orders.read" }));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Equal("ApiKey");
        (await GetAsync("keys-only", key: Key)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("admin", "eu-2", HttpStatusCode.OK)]
    [InlineData("admin", "us-1", HttpStatusCode.Forbidden)]
    [InlineData("viewer", "eu-1", HttpStatusCode.Forbidden)]
    [InlineData(null, null, HttpStatusCode.Forbidden)]
    public async Task Roles_and_claims_decide_between_200_and_403(string? role, string? tenant, HttpStatusCode expected)
    {
        var claims = new Dictionary<string, object>();
        if (role is not null)
        {
            claims["roles"] = new[] { role, "user" };
        }

        if (tenant is not null)
        {
            claims["tenant"] = tenant;
        }

        var response = await GetAsync("eu-admins", token: Token(claims));

        if (expected == HttpStatusCode.OK)
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        else
        {
            await response.ShouldBeProblemAsync(expected);
            response.Headers.WwwAuthenticate.Should().BeEmpty();
        }
    }

    [Fact]
    public async Task Anonymous_policies_let_anyone_in_and_still_know_an_authenticated_caller()
    {
        var anonymous = await (await GetAsync("public")).ReadEchoAsync();
        var known = await (await GetAsync("public", key: Key)).ReadEchoAsync();
        var byName = await GetAsync("anonymous");

        anonymous.Headers.Should().NotContainKey("x-client");
        known.Headers["x-client"].Should().Be("reports");
        byName.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Scope_claims_are_read_space_separated_from_scope_and_scp()
    {
        (await GetAsync("readers", token: Token(new() { ["scp"] = "profile orders.read" }))).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await GetAsync("readers", token: Token(new() { ["scope"] = "orders.reader" }))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Policies_reload_without_a_restart_and_an_invalid_reload_is_ignored()
    {
        (await GetAsync("readers", key: Key)).StatusCode.Should().Be(HttpStatusCode.OK);
        var configuration = (IConfigurationRoot)_gateway.App.Configuration;

        configuration["EdgeKit:Authorization:Policies:readers:Scopes:0"] = "orders.admin";
        configuration.Reload();
        await (await GetAsync("readers", key: Key)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        configuration["EdgeKit:Authorization:Policies:readers:Anonymous"] = "true"; // anonymous + scopes: invalid
        configuration.Reload();
        await (await GetAsync("readers", key: Key)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Invalid_policies_stop_the_start_with_every_problem()
    {
        var start = () => StartAsync(_rsa, _backend, new Dictionary<string, string?>
        {
            ["EdgeKit:Authorization:Policies:a:Anonymous"] = "true",
            ["EdgeKit:Authorization:Policies:a:Roles:0"] = "admin",
            ["EdgeKit:Authorization:Policies:b:Scopes:0"] = "orders.read orders.write",
        });

        var error = await start.Should().ThrowAsync<OptionsValidationException>();
        error.Which.Failures.Should().Equal(
            "EdgeKit:Authorization:Policies:a: an Anonymous policy cannot also require Scopes, Roles or Claims.",
            "EdgeKit:Authorization:Policies:b: a scope cannot contain a space; list each scope separately.");
    }

    [Fact]
    public async Task A_policy_naming_an_unknown_scheme_stops_the_start()
    {
        var start = () => StartAsync(_rsa, _backend, new Dictionary<string, string?>
        {
            ["EdgeKit:Authorization:Policies:a:AuthenticationSchemes:0"] = "Cookies",
        });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Equal(
            "EdgeKit:Authorization:Policies:a:AuthenticationSchemes: no authentication scheme is named 'Cookies'.");
    }

    [Fact]
    public void The_scope_requirement_refuses_bad_scopes()
    {
        var act = () => new ScopeAuthorizationRequirement(["a b"]);

        act.Should().Throw<ArgumentException>().WithMessage("A scope requirement needs at least one scope, each non-empty and without spaces.*");
    }
}
