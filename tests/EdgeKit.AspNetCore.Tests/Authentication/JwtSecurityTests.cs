using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Tests.Authentication;

/// <summary>Every forged or invalid token is refused with 401, a Bearer challenge and a problem body, and nothing reaches the backend.</summary>
public class JwtSecurityTests(JwtGatewayFixture fixture) : IClassFixture<JwtGatewayFixture>
{
    private TokenIssuer Issuer => fixture.Issuer;

    private Task<HttpResponseMessage> SendAsync(string path, string? token, params (string Name, string Value)[] headers)
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

        return fixture.Gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_valid_RSA_token_reaches_the_backend_with_identity_headers_and_without_the_token()
    {
        var echo = await (await SendAsync("api/authenticated/orders?id=7", Issuer.CreateToken("rsa-1"))).ReadEchoAsync();

        echo.Target.Should().Be("/api/authenticated/orders?id=7");
        echo.Headers["x-user-id"].Should().Be("alice");
        echo.Headers["x-scopes"].Should().Be("orders.read");
        echo.Headers.Should().NotContainKey("authorization");
        echo.Headers.Should().NotContainKey("x-client-id");
    }

    [Fact]
    public async Task A_valid_ECDSA_token_is_accepted()
    {
        var echo = await (await SendAsync("api/orders-read/x", Issuer.CreateToken("ec-1", new TokenSpec { Subject = "bob" }))).ReadEchoAsync();

        echo.Headers["x-user-id"].Should().Be("bob");
    }

    public static TheoryData<string, string> RejectedTokens => new()
    {
        { "alg none", "invalid_signature" },
        { "HS256 signed with the RSA public key", "invalid_signature" },
        { "expired", "expired" },
        { "not yet valid", "not_yet_valid" },
        { "wrong issuer", "invalid_issuer" },
        { "wrong audience", "invalid_audience" },
        { "tampered payload", "invalid_signature" },
        { "unknown kid", "unknown_key" },
        { "oversized", "too_large" },
        { "garbage", "malformed" },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task Rejected_tokens_get_401_with_a_Bearer_challenge_and_never_reach_the_backend(string kind, string reason)
    {
        using var failures = new AuthFailureRecorder();
        string token = kind switch
        {
            "alg none" => Issuer.CreateUnsignedToken("rsa-1"),
            "HS256 signed with the RSA public key" => Issuer.CreateHmacTokenWithPublicKey("rsa-1", fixture.RsaKey),
            "expired" => Issuer.CreateToken("rsa-1", new TokenSpec { NotBeforeOffset = TimeSpan.FromMinutes(-20), ExpiresOffset = TimeSpan.FromMinutes(-5) }),
            "not yet valid" => Issuer.CreateToken("rsa-1", new TokenSpec { NotBeforeOffset = TimeSpan.FromMinutes(5), ExpiresOffset = TimeSpan.FromHours(1) }),
            "wrong issuer" => Issuer.CreateToken("rsa-1", new TokenSpec { Issuer = "https://issuer.invalid" }),
            "wrong audience" => Issuer.CreateToken("rsa-1", new TokenSpec { Audience = "billing-api" }),
            "tampered payload" => Tamper(Issuer.CreateToken("rsa-1", new TokenSpec { Subject = "alice" })),
            "unknown kid" => CreateWithUnpublishedKey(),
            "oversized" => Issuer.CreateToken("rsa-1", new TokenSpec { Padding = 20_000 }),
            _ => "not-a-jwt",
        };
        int before = fixture.Backend.Requests;

        var response = await SendAsync("api/authenticated/orders", token);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        fixture.Backend.Requests.Should().Be(before);
        failures.ReasonsFor("Bearer").Should().Contain(reason, "the metric names why the token was refused");
    }

    [Fact]
    public async Task No_token_gets_401_with_a_bare_Bearer_challenge()
    {
        var response = await SendAsync("api/authenticated/orders", null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.ToString().Should().Be("Bearer");
    }

    [Fact]
    public async Task Forged_identity_headers_without_credentials_get_401_and_never_reach_the_backend()
    {
        int before = fixture.Backend.Requests;

        var response = await SendAsync("api/authenticated/orders", null, ("X-User-Id", "admin"), ("X-Scopes", "orders.write"));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        fixture.Backend.Requests.Should().Be(before);
    }

    [Fact]
    public async Task Forged_identity_headers_are_replaced_by_the_callers_claims_or_removed()
    {
        var authenticated = await (await SendAsync("api/authenticated/orders", Issuer.CreateToken("rsa-1"),
            ("X-User-Id", "admin"), ("X-Client-Id", "root"))).ReadEchoAsync();
        var anonymous = await (await SendAsync("api/anonymous/orders", null, ("X-User-Id", "admin"), ("X-Scopes", "orders.write"))).ReadEchoAsync();

        authenticated.Headers["x-user-id"].Should().Be("alice");
        authenticated.Headers.Should().NotContainKey("x-client-id"); // the caller has no client_id claim: the forged one is gone
        anonymous.Headers.Should().NotContainKey("x-user-id").And.NotContainKey("x-scopes");
    }

    [Fact]
    public async Task A_valid_token_without_the_required_scope_gets_403_without_a_challenge()
    {
        int before = fixture.Backend.Requests;

        var response = await SendAsync("api/orders-read/x", Issuer.CreateToken("rsa-1", new TokenSpec { Scope = "orders.write" }));

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        response.Headers.WwwAuthenticate.Should().BeEmpty();
        fixture.Backend.Requests.Should().Be(before);
    }

    public static TheoryData<string, string> CriticalHeaders => new()
    {
        { "an unknown extension", "crit_unsupported" },
        { "an unknown extension after a header it does not name", "crit_unsupported" },
        { "not an array", "crit_malformed" },
        { "an empty array", "crit_malformed" },
        { "a standard header name", "crit_malformed" },
        { "a number", "crit_malformed" },
    };

    [Theory]
    [MemberData(nameof(CriticalHeaders))]
    public async Task A_signed_token_whose_crit_header_lists_what_the_gateway_does_not_understand_is_refused(string kind, string reason)
    {
        using var failures = new AuthFailureRecorder();
        object crit = kind switch
        {
            "an unknown extension" => new[] { "exp-v2" },
            "an unknown extension after a header it does not name" => new[] { "b64" },
            "not an array" => "exp-v2",
            "an empty array" => Array.Empty<string>(),
            "a standard header name" => new[] { "alg" },
            _ => new object[] { 42 },
        };
        var headers = new Dictionary<string, object> { ["crit"] = crit };
        if (kind == "an unknown extension after a header it does not name")
        {
            headers["b64"] = false;
        }

        string token = Issuer.CreateToken("rsa-1", new TokenSpec { HeaderClaims = headers });
        int before = fixture.Backend.Requests;

        var response = await SendAsync("api/authenticated/orders", token);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.ToString().Should().Be("Bearer error=\"invalid_token\"");
        fixture.Backend.Requests.Should().Be(before);
        failures.ReasonsFor("Bearer").Should().Contain(reason);
    }

    [Fact]
    public async Task A_signed_token_with_an_extra_header_parameter_that_is_not_critical_is_accepted()
    {
        string token = Issuer.CreateToken("rsa-1", new TokenSpec { HeaderClaims = new() { ["x-trace"] = "abc", ["critical"] = new[] { "exp-v2" } } });

        var echo = await (await SendAsync("api/authenticated/orders", token)).ReadEchoAsync();

        echo.Headers["x-user-id"].Should().Be("alice");
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        string payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"alice\"", "\"admin\"", StringComparison.Ordinal);
        payload.Should().Contain("admin");
        return parts[0] + "." + Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
    }

    private string CreateWithUnpublishedKey()
    {
        Issuer.AddRsaKey("ghost", publish: false);
        return Issuer.CreateToken("ghost");
    }
}
