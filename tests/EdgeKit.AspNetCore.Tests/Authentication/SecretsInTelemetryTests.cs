using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Authentication;

/// <summary>Logs (every level, every category) and metrics never carry a token, an API key, an Authorization header or a cookie.</summary>
public sealed class SecretsInTelemetryTests : IAsyncLifetime
{
    private const string ApiKey = "ek_live_secret_0123456789abcdef0123";
    private const string Cookie = "session=cookie-secret-0123456789";
    private readonly CapturingLoggerProvider _logs = new();
    private TokenIssuer _issuer = null!;
    private EchoBackend _backend = null!;
    private TestApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TokenIssuer.StartAsync();
        _issuer.AddRsaKey("rsa-1");
        _backend = await EchoBackend.StartAsync();
        _gateway = await TestApp.StartAsync(
            builder =>
            {
                builder.Logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace);
                builder.Services.AddAuthentication()
                    .AddEdgeKitJwt(o =>
                    {
                        o.Authority = _issuer.Issuer;
                        o.Audiences = [TokenIssuer.Audience];
                        o.RequireHttpsMetadata = false;
                    })
                    .AddEdgeKitApiKeys(configure: o =>
                    {
                        o.Keys["live"] = new() { Hash = ApiKeyHash.Compute(ApiKey), ClientId = "c1" };
                        o.Keys["old"] = new() { Hash = ApiKeyHash.Compute(ApiKey + "x"), ClientId = "c2", Revoked = true };
                    });
                AuthTestGateway.AddPolicies(builder, "Bearer", "ApiKey");
            },
            app => AuthTestGateway.MapForwarding(app, _backend.Address, new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub" }, Token = TokenForwarding.Relay }));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Fact]
    public async Task No_secret_appears_in_logs_or_metric_tags()
    {
        var tags = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "EdgeKit")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, measurementTags, _) =>
        {
            lock (tags)
            {
                foreach (var tag in measurementTags)
                {
                    tags.Add($"{tag.Key}={tag.Value}");
                }
            }
        });
        listener.Start();

        string valid = _issuer.CreateToken("rsa-1");
        string expired = _issuer.CreateToken("rsa-1", new TokenSpec { NotBeforeOffset = TimeSpan.FromHours(-2), ExpiresOffset = TimeSpan.FromHours(-1) });
        string[] secrets = [valid, expired, ApiKey, ApiKey + "x", "ek_live_wrong_0123456789abcdef01234", "cookie-secret-0123456789"];
        foreach (var (token, key) in new (string?, string?)[] { (valid, null), (expired, null), ("garbage.token.here", null), (null, ApiKey), (null, ApiKey + "x"), (null, secrets[4]) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/authenticated/x");
            request.Headers.TryAddWithoutValidation("Cookie", Cookie);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (key is not null)
            {
                request.Headers.Add("X-Api-Key", key);
            }

            (await _gateway.Client.SendAsync(request)).Dispose();
        }

        _logs.Entries.Should().Contain(e => e.EventId.Id == 1300, "failures are logged");
        _logs.Entries.Should().Contain(e => e.EventId.Id == 1301, "the revoked key's use is logged, by key id");
        tags.Should().Contain("edgekit.auth.reason=expired");
        foreach (var secret in secrets)
        {
            string fragment = secret.Length > 40 ? secret[^40..] : secret; // a JWT's signature, or the whole key
            _logs.Entries.Should().NotContain(e => e.Text.Contains(fragment, StringComparison.Ordinal), $"no log may contain '{fragment}'");
            tags.Should().NotContain(t => t.Contains(fragment, StringComparison.Ordinal));
        }

        _logs.Entries.Should().NotContain(e => e.Text.Contains("Bearer ey", StringComparison.Ordinal));
    }
}
