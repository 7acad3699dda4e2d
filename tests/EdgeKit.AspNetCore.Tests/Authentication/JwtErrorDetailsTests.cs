using System.Net;
using System.Net.Http.Headers;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Tests.Authentication;

/// <summary>
/// What a refused token's 401 reveals, through the real gateway on Kestrel with real signed tokens: by default the
/// same bare <c>invalid_token</c> challenge and body for every failure (details only in logs); with
/// <c>IncludeErrorDetails</c>, a description whose token values are sanitised into a quoted-string.
/// </summary>
public sealed class JwtErrorDetailsTests : IAsyncLifetime
{
    private const string BareChallenge = "Bearer error=\"invalid_token\"";

    private TokenIssuer _issuer = null!;
    private Infrastructure.EchoBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private GatewayHost _detailed = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TokenIssuer.StartAsync();
        _issuer.AddRsaKey("rsa-1");
        _issuer.AddRsaKey("ghost", publish: false);
        _backend = await Infrastructure.EchoBackend.StartAsync("orders");
        _gateway = await StartGatewayAsync(details: false);
        _detailed = await StartGatewayAsync(details: true);
    }

    public async Task DisposeAsync()
    {
        await _detailed.DisposeAsync();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private Task<GatewayHost> StartGatewayAsync(bool details) => GatewayHost.StartAsync(
        new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = _backend.Address,
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
            ["Routes:orders:AuthorizationPolicy"] = "users",
        },
        builder =>
        {
            if (details)
            {
                HostEnvironments.Use(builder, "Development");
            }

            builder.Services.AddAuthentication().AddEdgeKitJwt(o =>
            {
                o.Authority = _issuer.Issuer;
                o.Audiences = [TokenIssuer.Audience];
                o.RequireHttpsMetadata = false;
                o.IncludeErrorDetails = details;
            });
            builder.Services.AddEdgeKit().AddAuthorizationPolicies(o =>
            {
                o.DefaultAuthenticationSchemes = ["Bearer"];
                o.Policies["users"] = new();
            });
        },
        app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
        });

    private static async Task<(HttpStatusCode Status, string[] Challenges, string? ContentType, string Body)> SendAsync(GatewayHost gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await gateway.Client.SendAsync(request);
        string[] challenges = response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values) ? [.. values] : [];
        return (response.StatusCode, challenges, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private string Token(string kind) => kind switch
    {
        "unknown kid" => _issuer.CreateToken("ghost"),
        "bad signature" => BreakSignature(_issuer.CreateToken("rsa-1")),
        "wrong issuer" => _issuer.CreateToken("rsa-1", new TokenSpec { Issuer = "https://issuer.invalid" }),
        "wrong audience" => _issuer.CreateToken("rsa-1", new TokenSpec { Audience = "billing-api" }),
        "expired" => _issuer.CreateToken("rsa-1", new TokenSpec { NotBeforeOffset = TimeSpan.FromHours(-2), ExpiresOffset = TimeSpan.FromHours(-1) }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static readonly string[] s_kinds = ["unknown kid", "bad signature", "wrong issuer", "wrong audience", "expired"];

    [Fact]
    public async Task By_default_every_kind_of_refusal_gets_the_identical_bare_challenge_and_body_and_the_reason_is_logged()
    {
        var answers = new List<(HttpStatusCode Status, string[] Challenges, string? ContentType, string Body)>();
        foreach (var kind in s_kinds)
        {
            answers.Add(await SendAsync(_gateway, Token(kind)));
        }

        foreach (var (answer, kind) in answers.Zip(s_kinds))
        {
            answer.Status.Should().Be(HttpStatusCode.Unauthorized, kind);
            answer.Challenges.Should().Equal([BareChallenge], kind);
            answer.ContentType.Should().Be("application/problem+json", kind);
            answer.Body.Should().Be(answers[0].Body, kind);
        }

        answers[0].Body.Should().Be(
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"detail":"The request needs valid credentials."}""");
        _backend.Requests.Should().Be(0);
        _gateway.Logs.Entries.Where(e => e.EventId == 1300).Select(e => e.Message).Should().BeEquivalentTo(
            "Scheme 'Bearer': authentication failed (unknown_key).",
            "Scheme 'Bearer': authentication failed (invalid_signature).",
            "Scheme 'Bearer': authentication failed (invalid_issuer).",
            "Scheme 'Bearer': authentication failed (invalid_audience).",
            "Scheme 'Bearer': authentication failed (expired).");
    }

    [Fact]
    public async Task A_request_without_a_token_gets_the_challenge_without_an_error()
    {
        using var response = await _gateway.Client.GetAsync("/orders/1");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.NonValidated["WWW-Authenticate"].Should().Equal("Bearer");
    }

    [Fact]
    public async Task With_IncludeErrorDetails_the_challenge_says_why_each_token_was_refused()
    {
        var expected = new Dictionary<string, string>
        {
            ["unknown kid"] = BareChallenge + ", error_description=\"The signature key was not found.\"",
            ["bad signature"] = BareChallenge + ", error_description=\"The signature is invalid.\"",
            ["wrong issuer"] = BareChallenge + ", error_description=\"The issuer 'https://issuer.invalid' is not accepted.\"",
            ["wrong audience"] = BareChallenge + ", error_description=\"The token's audience is not accepted.\"", // IdentityModel 8 does not say which
        };

        foreach (var (kind, challenge) in expected)
        {
            var answer = await SendAsync(_detailed, Token(kind));
            answer.Status.Should().Be(HttpStatusCode.Unauthorized, kind);
            answer.Challenges.Should().Equal([challenge], kind);
            answer.ContentType.Should().Be("application/problem+json", kind);
        }

        var expired = await SendAsync(_detailed, Token("expired"));
        expired.Challenges.Should().ContainSingle().Which.Should().MatchRegex(
            "^Bearer error=\"invalid_token\", error_description=\"The token expired at '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.0000000Z'\\.\"$");
    }

    public static TheoryData<string, string> HostileIssuers => new()
    {
        { "https://evil.example\r\nX-Injected: 1", "https://evil.example??X-Injected: 1" },
        { "https://evil.example\nSet-Cookie: a=b", "https://evil.example?Set-Cookie: a=b" },
        { "https://évil.example/ü", "https://?vil.example/?" },
        { "https://evil.example/\"quoted\"\\path", "https://evil.example/\\\"quoted\\\"\\\\path" },
        { "https://evil.example/\u0000\u007f\u0001", "https://evil.example/???" },
    };

    [Theory]
    [MemberData(nameof(HostileIssuers))]
    public async Task A_signed_token_with_a_hostile_issuer_gets_a_clean_401_that_echoes_nothing_by_default(string issuer, string sanitised)
    {
        var answer = await SendAsync(_gateway, _issuer.CreateToken("rsa-1", new TokenSpec { Issuer = issuer }));

        answer.Status.Should().Be(HttpStatusCode.Unauthorized);
        answer.Challenges.Should().Equal(BareChallenge);
        answer.ContentType.Should().Be("application/problem+json");
        answer.Body.Should().Be(
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"detail":"The request needs valid credentials."}""");
        answer.Body.Should().NotContain(sanitised);
        _backend.Requests.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(HostileIssuers))]
    public async Task With_IncludeErrorDetails_a_hostile_issuer_is_sanitised_into_a_quoted_string(string issuer, string sanitised)
    {
        var answer = await SendAsync(_detailed, _issuer.CreateToken("rsa-1", new TokenSpec { Issuer = issuer }));

        answer.Status.Should().Be(HttpStatusCode.Unauthorized);
        answer.Challenges.Should().Equal(BareChallenge + ", error_description=\"The issuer '" + sanitised + "' is not accepted.\"");
        answer.ContentType.Should().Be("application/problem+json");
        _backend.Requests.Should().Be(0);
        AuthenticationHeaderValue.TryParse(answer.Challenges[0], out var parsed).Should().BeTrue("the header is a well-formed challenge");
        parsed!.Scheme.Should().Be("Bearer");
    }

    [Fact]
    public async Task A_refused_crit_header_is_described_with_its_extension_name_escaped()
    {
        string token = _issuer.CreateToken("rsa-1", new TokenSpec { HeaderClaims = new() { ["crit"] = new[] { "ext\"\r\n" } } });

        var plain = await SendAsync(_gateway, token);
        var detailed = await SendAsync(_detailed, token);

        plain.Challenges.Should().Equal(BareChallenge);
        detailed.Challenges.Should().Equal(
            BareChallenge + ", error_description=\"The token's crit header parameter lists 'ext\\\"??', an extension the gateway does not understand.\"");
        _backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_long_issuer_is_cut_in_the_details()
    {
        string issuer = "https://issuer.invalid/" + new string('a', 300);

        var answer = await SendAsync(_detailed, _issuer.CreateToken("rsa-1", new TokenSpec { Issuer = issuer }));

        answer.Challenges.Should().Equal(BareChallenge + ", error_description=\"The issuer '" + issuer[..100] + "...' is not accepted.\"");
    }

    private static string BreakSignature(string token)
    {
        var parts = token.Split('.');
        byte[] signature = Base64UrlEncoder.DecodeBytes(parts[2]);
        signature[0] ^= 0xFF;
        return parts[0] + "." + parts[1] + "." + Base64UrlEncoder.Encode(signature);
    }
}
