using System.Net;
using System.Text;
using EdgeKit.AspNetCore.Authentication;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Authentication;

public sealed class HmacAuthenticationTests : IAsyncLifetime
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _gatewayTime = new(Now);
    private readonly List<ServiceProvider> _clients = [];
    private EchoBackend _backend = null!;
    private TestApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await TestApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(_gatewayTime);
                builder.Services.AddAuthentication().AddEdgeKitHmac(configure: o =>
                {
                    o.Keys["partner-1"] = new HmacKeyOptions { Secret = Secret, ClientId = "partner", Scopes = ["orders.read"] };
                    o.MaxBodySize = 4096;
                });
                AuthTestGateway.AddPolicies(builder, "EdgeKit-HMAC");
            },
            app => AuthTestGateway.MapForwarding(app, _backend.Address, new IdentityForwardingOptions { Headers = { ["X-Client-Id"] = "client_id" } }));
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    /// <summary>A client that signs with <paramref name="secret"/> at <paramref name="clock"/>'s time, and records what it sent.</summary>
    private (HttpClient Client, Recorder Sent) SigningClient(string? secret = null, DateTimeOffset? clock = null)
    {
        var recorder = new Recorder();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(clock ?? Now));
        services.AddHttpClient("partner", c => c.BaseAddress = _gateway.Address)
            .AddEdgeKitHmacSigning(o =>
            {
                o.KeyId = "partner-1";
                o.Secret = secret ?? Secret;
                o.SignedHeaders = ["content-type"];
            })
            .AddHttpMessageHandler(() => recorder);
        var provider = services.BuildServiceProvider();
        _clients.Add(provider);
        return (provider.GetRequiredService<IHttpClientFactory>().CreateClient("partner"), recorder);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_signed_request_reaches_the_backend_with_its_body_and_client()
    {
        var (client, _) = SigningClient();

        var echo = await (await client.PostAsync("api/orders-read/orders?b=2&a=1", Json("""{"item":42}"""))).ReadEchoAsync();
        var get = await (await client.GetAsync("api/authenticated/orders/a%20b")).ReadEchoAsync();

        echo.Body.Should().Be("""{"item":42}""");
        echo.Target.Should().Be("/api/orders-read/orders?b=2&a=1");
        echo.Headers["x-client-id"].Should().Be("partner");
        get.Body.Should().BeEmpty();
    }

    [Fact]
    public async Task A_replayed_request_gets_401_and_reaches_the_backend_once()
    {
        using var failures = new AuthFailureRecorder();
        var (client, sent) = SigningClient();
        (await client.PostAsync("api/authenticated/transfer", Json("""{"amount":100}"""))).StatusCode.Should().Be(HttpStatusCode.OK);

        var replay = await _gateway.Client.SendAsync(sent.Copy());

        await replay.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        _backend.Requests.Should().Be(1);
        failures.ReasonsFor("EdgeKit-HMAC").Should().Contain("replay");
    }

    [Theory]
    [InlineData("original digest", "digest_mismatch")]
    [InlineData("digest of the new body", "invalid_signature")]
    public async Task A_signature_over_a_different_body_gets_401(string digest, string reason)
    {
        using var failures = new AuthFailureRecorder();
        var (client, sent) = SigningClient();
        sent.Forward = false;
        await client.PostAsync("api/authenticated/transfer", Json("""{"amount":100}"""));
        string forged = """{"amount":999}""";

        var response = await _gateway.Client.SendAsync(sent.Copy(forged, recomputeDigest: digest != "original digest"));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        _backend.Requests.Should().Be(0);
        failures.ReasonsFor("EdgeKit-HMAC").Should().Contain(reason);
    }

    [Theory]
    [InlineData("wrong secret", "invalid_signature")]
    [InlineData("clock 6 minutes ahead", "clock_skew")]
    [InlineData("clock 6 minutes behind", "clock_skew")]
    [InlineData("body over the limit", "body_too_large")]
    [InlineData("tampered query", "invalid_signature")]
    public async Task Bad_signatures_get_401_and_never_reach_the_backend(string kind, string reason)
    {
        using var failures = new AuthFailureRecorder();
        var (client, sent) = kind switch
        {
            "wrong secret" => SigningClient(secret: Convert.ToBase64String(new byte[32])),
            "clock 6 minutes ahead" => SigningClient(clock: Now.AddMinutes(6)),
            "clock 6 minutes behind" => SigningClient(clock: Now.AddMinutes(-6)),
            _ => SigningClient(),
        };
        HttpResponseMessage response;
        if (kind == "tampered query")
        {
            sent.Forward = false;
            await client.GetAsync("api/authenticated/orders?limit=10");
            response = await _gateway.Client.SendAsync(sent.Copy(uri: new Uri(_gateway.Address, "api/authenticated/orders?limit=10000")));
        }
        else
        {
            response = await client.PostAsync("api/authenticated/x", Json(kind == "body over the limit" ? new string('x', 5000) : "{}"));
        }

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        _backend.Requests.Should().Be(0);
        failures.ReasonsFor("EdgeKit-HMAC").Should().Contain(reason);
    }

    [Fact]
    public async Task A_clock_within_the_skew_window_is_accepted()
    {
        var (client, _) = SigningClient(clock: Now.AddMinutes(4));

        (await client.GetAsync("api/authenticated/x")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unsigned_request_gets_a_challenge_naming_the_scheme_and_required_headers()
    {
        var response = await _gateway.Client.GetAsync("api/authenticated/x");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.ToString().Should().Be("EdgeKit-HMAC-SHA256 headers=\"date content-digest\"");
    }

    /// <summary>Records the last request as signed, and forwards it unless told not to.</summary>
    private sealed class Recorder : DelegatingHandler
    {
        private HttpRequestMessage? _last;
        private byte[] _body = [];

        public bool Forward { get; set; } = true;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _last = request;
            _body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            return Forward ? await base.SendAsync(request, cancellationToken) : new HttpResponseMessage(HttpStatusCode.Accepted);
        }

        /// <summary>The same request (headers, signature), optionally with another body or URI.</summary>
        public HttpRequestMessage Copy(string? body = null, bool recomputeDigest = false, Uri? uri = null)
        {
            var last = _last!;
            var copy = new HttpRequestMessage(last.Method, uri ?? last.RequestUri);
            byte[] bytes = body is null ? _body : Encoding.UTF8.GetBytes(body);
            if (last.Content is not null)
            {
                copy.Content = new ByteArrayContent(bytes);
                foreach (var header in last.Content.Headers)
                {
                    if (header.Key != "Content-Length")
                    {
                        copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }
            }

            foreach (var header in last.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            if (recomputeDigest)
            {
                copy.Headers.Remove(HmacSignature.ContentDigestHeader);
                copy.Headers.TryAddWithoutValidation(HmacSignature.ContentDigestHeader, HmacSignature.ComputeContentDigest(bytes));
            }

            return copy;
        }
    }
}
