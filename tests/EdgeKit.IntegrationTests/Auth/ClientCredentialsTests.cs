using System.Net;
using EdgeKit.Auth;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.IntegrationTests.Auth;

/// <summary>
/// An HttpClient with EdgeKit's client-credentials handler against a real token endpoint and a real API, both
/// Kestrel on 127.0.0.1: one token request however many calls race for it, refreshed before expiry on a fake clock.
/// </summary>
public sealed class ClientCredentialsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TaskCompletionSource _firstTokenRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _releaseTokens = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _tokenEndpoint = null!;
    private WebApplication _api = null!;
    private Uri _tokenAddress = null!;
    private Uri _apiAddress = null!;
    private ServiceProvider _services = null!;
    private int _tokenRequests;
    private int _apiRequests;
    private int _unauthorized;

    public async Task InitializeAsync()
    {
        (_tokenEndpoint, _tokenAddress) = await StartAsync(app => app.MapPost("/token", async (HttpContext context) =>
        {
            int n = Interlocked.Increment(ref _tokenRequests);
            _firstTokenRequest.TrySetResult();
            await _releaseTokens.Task;
            var form = await context.Request.ReadFormAsync();
            bool ok = form["grant_type"] == "client_credentials" && context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal);
            return ok
                ? Results.Json(new Dictionary<string, object> { ["access_token"] = $"token-{n}", ["token_type"] = "Bearer", ["expires_in"] = 300 })
                : Results.Json(new Dictionary<string, object> { ["error"] = "invalid_request" }, statusCode: 400);
        }));
        (_api, _apiAddress) = await StartAsync(app => app.MapGet("/orders", (HttpContext context) =>
        {
            Interlocked.Increment(ref _apiRequests);
            string auth = context.Request.Headers.Authorization.ToString();
            if (!auth.StartsWith("Bearer token-", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _unauthorized);
                return Results.StatusCode(401);
            }

            return Results.Text(auth["Bearer ".Length..]);
        }));

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddHttpClient("orders", c => c.BaseAddress = _apiAddress)
            .AddEdgeKitClientCredentials(o =>
            {
                o.TokenEndpoint = new Uri(_tokenAddress, "token");
                o.RequireHttps = false;
                o.ClientId = "orders-client";
                o.ClientSecret = "secret";
                o.Scope = "orders.read";
            });
        _services = services.BuildServiceProvider();
    }

    private static async Task<(WebApplication App, Uri Address)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async Task DisposeAsync()
    {
        _releaseTokens.TrySetResult();
        await _services.DisposeAsync();
        await _tokenEndpoint.DisposeAsync();
        await _api.DisposeAsync();
    }

    private HttpClient Client => _services.GetRequiredService<IHttpClientFactory>().CreateClient("orders");

    [Fact]
    public async Task Fifty_concurrent_calls_cause_one_token_request_and_all_carry_the_token()
    {
        var calls = Enumerable.Range(0, 50).Select(_ => Client.GetStringAsync("orders")).ToArray();
        await _firstTokenRequest.Task.WaitAsync(TimeSpan.FromSeconds(15));
        _releaseTokens.SetResult();

        (await Task.WhenAll(calls)).Should().AllBe("token-1");
        _tokenRequests.Should().Be(1);
        _apiRequests.Should().Be(50);
        _unauthorized.Should().Be(0);
    }

    [Fact]
    public async Task The_token_is_refreshed_once_shortly_before_it_expires()
    {
        _releaseTokens.SetResult();
        (await Client.GetStringAsync("orders")).Should().Be("token-1");

        _time.Advance(TimeSpan.FromSeconds(239));
        (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Client.GetStringAsync("orders")))).Should().AllBe("token-1");
        _tokenRequests.Should().Be(1);

        _time.Advance(TimeSpan.FromSeconds(61)); // now past expiry: callers wait for the one new token
        (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Client.GetStringAsync("orders")))).Should().AllBe("token-2");
        _tokenRequests.Should().Be(2);
    }

    [Fact]
    public async Task A_refused_token_request_fails_the_call_with_a_typed_exception()
    {
        _releaseTokens.SetResult();
        var services = new ServiceCollection();
        services.AddHttpClient("bad", c => c.BaseAddress = _apiAddress)
            .AddEdgeKitClientCredentials(o =>
            {
                o.TokenEndpoint = new Uri(_tokenAddress, "token");
                o.RequireHttps = false;
                o.ClientId = "c";
                o.ClientSecret = "s";
                o.CredentialStyle = ClientCredentialStyle.RequestBody;
            });
        await using var provider = services.BuildServiceProvider();

        var call = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("bad").GetStringAsync("orders");

        var error = (await call.Should().ThrowAsync<ClientCredentialsTokenException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        error.Error.Should().Be("invalid_request");
        _apiRequests.Should().Be(0);
    }
}
