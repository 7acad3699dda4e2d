using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKitGateway.Tests;

/// <summary>
/// The gateway as appsettings.json configures it, started on 127.0.0.1 in front of a stub backend (a real Kestrel
/// server). The tests change only what a test must: the backend's address, a smaller rate limit, and JWT signing keys
/// of their own instead of the identity provider's.
/// </summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private const string ApiKey = "secret";   // appsettings.json holds its SHA-256 hash only
    private readonly RSA _signingKey = RSA.Create(2048);
    private WebApplication? _backend;
    private WebApplication? _gateway;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var backend = WebApplication.CreateSlimBuilder();
        backend.WebHost.UseUrls("http://127.0.0.1:0");
        backend.Logging.ClearProviders();
        _backend = backend.Build();
        _backend.MapGet("/orders/{id}", (string id) => Results.Text($"order {id}"));
        await _backend.StartAsync();

        _gateway = Gateway.Build(
        [
            $"--contentRoot={AppContext.BaseDirectory}",
            "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            $"--EdgeKit:Clusters:orders:Destinations:o1:Address={_backend.Urls.Single()}",
            "--EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit=3",
            "--EdgeKit:Authentication:Jwt:Authority=",
            "--EdgeKit:Authentication:Jwt:Issuers:0=tests",
            "--EdgeKit:Authentication:Jwt:SigningKeys:0:KeyId=tests",
            $"--EdgeKit:Authentication:Jwt:SigningKeys:0:PublicKeyPem={_signingKey.ExportSubjectPublicKeyInfoPem()}",
        ]);
        await _gateway.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_gateway.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        _signingKey.Dispose();
    }

    [Fact]
    public async Task A_request_with_an_API_key_is_proxied_to_the_backend()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/7");
        request.Headers.Add("X-Api-Key", ApiKey);

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("order 7");
    }

    [Fact]
    public async Task A_request_with_a_JWT_carrying_the_scope_is_proxied_and_one_without_it_is_forbidden()
    {
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/orders/8");
        allowed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token("orders.read"));
        using var forbidden = new HttpRequestMessage(HttpMethod.Get, "/orders/8");
        forbidden.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token("profile.read"));

        using var ok = await _client.SendAsync(allowed);
        using var denied = await _client.SendAsync(forbidden);

        ok.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ok.Content.ReadAsStringAsync()).Should().Be("order 8");
        denied.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_request_without_credentials_is_answered_401_with_problem_json()
    {
        using var response = await _client.GetAsync("/orders/7");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.ToString().Should().Be("application/problem+json");
        (await response.Content.ReadAsStringAsync()).Should().Be(
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"detail":"The request needs valid credentials."}""");
        response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer, ApiKey realm=\"edgekit\", header=\"X-Api-Key\"");
    }

    [Fact]
    public async Task The_fourth_request_within_the_window_is_answered_429_with_problem_json()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (int i = 0; i < 4; i++)
        {
            last?.Dispose();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/7");
            request.Headers.Add("X-Api-Key", ApiKey);
            last = await _client.SendAsync(request);
            statuses.Add(last.StatusCode);
        }

        using var limited = last!;
        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        limited.Content.Headers.ContentType!.ToString().Should().Be("application/problem+json");
        (await limited.Content.ReadAsStringAsync()).Should().Be(
            """{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Request cannot be satisfied as assigned quota has been exceeded","status":429,"detail":"The quota of policy 'per-client' is exhausted; retry later.","violated-policies":["per-client"]}""");
        // 3 per minute: a permit every 20 s; the three requests above took a little of it.
        limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(15, 20);
    }

    private string Token(string scope) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "tests",
        Audience = "orders-api",
        Claims = new Dictionary<string, object> { ["sub"] = "ada", ["scope"] = scope },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(_signingKey) { KeyId = "tests" }, SecurityAlgorithms.RsaSha256),
    });
}
