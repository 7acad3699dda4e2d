using System.Net;
using System.Security.Cryptography;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using EdgeKit.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Authentication;

public sealed class ApiKeyAuthenticationTests : IAsyncLifetime
{
    private const string OrdersKey = "ek_live_orders_0123456789abcdef0123";
    private const string RevokedKey = "ek_live_legacy_0123456789abcdef0123";
    private const string WriterKey = "ek_live_writer_0123456789abcdef0123";
    private const string Section = "EdgeKit:Authentication:ApiKeys";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private EchoBackend _backend = null!;
    private TestApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await StartGatewayAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task<TestApp> StartGatewayAsync(Dictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var config = new Dictionary<string, string?>
        {
            [$"{Section}:Keys:orders-2025:Hash"] = ApiKeyHash.Compute(OrdersKey),
            [$"{Section}:Keys:orders-2025:ClientId"] = "orders-app",
            [$"{Section}:Keys:orders-2025:Scopes:0"] = "orders.read",
            [$"{Section}:Keys:orders-2025:Scopes:1"] = "orders.write",
            [$"{Section}:Keys:orders-2025:Tier"] = "gold",
            [$"{Section}:Keys:orders-2025:Roles:0"] = "admin",
            [$"{Section}:Keys:legacy:Hash"] = ApiKeyHash.Compute(RevokedKey),
            [$"{Section}:Keys:legacy:ClientId"] = "legacy-app",
            [$"{Section}:Keys:legacy:Revoked"] = "true",
            [$"{Section}:Keys:writer:Hash"] = ApiKeyHash.Compute(WriterKey).ToUpperInvariant(),
            [$"{Section}:Keys:writer:ClientId"] = "writer-app",
            [$"{Section}:Keys:writer:Scopes:0"] = "orders.write",
        };
        foreach (var (key, value) in extra ?? [])
        {
            config[key] = value;
        }

        return await TestApp.StartAsync(
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(config);
                builder.Services.AddSingleton<TimeProvider>(_time);
                services?.Invoke(builder.Services);
                builder.Services.AddAuthentication().AddEdgeKitApiKeys(builder.Configuration.GetSection(Section));
                AuthTestGateway.AddPolicies(builder, "ApiKey");
            },
            app => AuthTestGateway.MapForwarding(app, _backend.Address, new IdentityForwardingOptions
            {
                Headers = { ["X-Client-Id"] = "client_id", ["X-Scopes"] = "scope", ["X-Tier"] = "edgekit:tier" },
                StripHeaders = { "X-Api-Key" },
            }));
    }

    private Task<HttpResponseMessage> SendAsync(string path, string? key, TestApp? gateway = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return (gateway ?? _gateway).Client.SendAsync(request);
    }

    private void Reload(params (string Key, string? Value)[] changes)
    {
        foreach (var (key, value) in changes)
        {
            _gateway.App.Configuration[$"{Section}:{key}"] = value;
        }

        ((IConfigurationRoot)_gateway.App.Configuration).Reload();
    }

    [Fact]
    public async Task A_valid_key_reaches_the_backend_as_its_client_with_scopes_and_tier_and_without_the_key()
    {
        var echo = await (await SendAsync("api/orders-read/o/1", OrdersKey)).ReadEchoAsync();

        echo.Headers["x-client-id"].Should().Be("orders-app");
        echo.Headers["x-scopes"].Should().Be("orders.read,orders.write");
        echo.Headers["x-tier"].Should().Be("gold");
        echo.Headers.Should().NotContainKey("x-api-key");
    }

    [Fact]
    public async Task Hashes_in_upper_case_hex_match_too()
    {
        var echo = await (await SendAsync("api/authenticated/x", WriterKey)).ReadEchoAsync();

        echo.Headers["x-client-id"].Should().Be("writer-app");
    }

    [Theory]
    [InlineData("wrong key of the right length", "unknown_key")]
    [InlineData("revoked key", "revoked")]
    [InlineData("empty key", "malformed")]
    public async Task Refused_keys_get_401_with_an_ApiKey_challenge_and_never_reach_the_backend(string kind, string reason)
    {
        using var failures = new AuthFailureRecorder();
        string key = kind switch
        {
            "wrong key of the right length" => OrdersKey[..^1] + (OrdersKey[^1] == '3' ? '4' : '3'),
            "revoked key" => RevokedKey,
            _ => "",
        };
        key.Length.Should().Be(kind == "empty key" ? 0 : OrdersKey.Length);

        var response = await SendAsync("api/authenticated/x", key);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.ToString().Should().Be("ApiKey realm=\"edgekit\", header=\"X-Api-Key\"");
        _backend.Requests.Should().Be(0);
        failures.ReasonsFor("ApiKey").Should().Contain(reason);
    }

    [Fact]
    public async Task A_valid_key_without_the_required_scope_gets_403()
    {
        var response = await SendAsync("api/orders-read/x", WriterKey);

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        response.Headers.WwwAuthenticate.Should().BeEmpty();
        _backend.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Roles_from_the_key_satisfy_role_policies()
    {
        (await SendAsync("api/admins/x", OrdersKey)).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await SendAsync("api/admins/x", WriterKey)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_key_is_revoked_without_a_restart()
    {
        (await SendAsync("api/authenticated/x", OrdersKey)).StatusCode.Should().Be(HttpStatusCode.OK);

        Reload(("Keys:orders-2025:Revoked", "true"));

        await (await SendAsync("api/authenticated/x", OrdersKey)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await SendAsync("api/authenticated/x", WriterKey)).StatusCode.Should().Be(HttpStatusCode.OK, "other keys are unaffected");
    }

    [Fact]
    public async Task A_key_removed_from_configuration_stops_working_without_a_restart()
    {
        Reload(("Keys:writer:Hash", ""));

        await (await SendAsync("api/authenticated/x", WriterKey)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await SendAsync("api/authenticated/x", OrdersKey)).StatusCode.Should().Be(HttpStatusCode.OK, "an invalid entry is skipped, the others apply");
    }

    [Fact]
    public async Task A_key_is_rotated_without_a_restart_and_the_old_one_expires_at_its_NotAfter()
    {
        const string newKey = "ek_live_orders_fedcba9876543210fedc";
        Reload(
            ("Keys:orders-2025-07:Hash", ApiKeyHash.Compute(newKey)),
            ("Keys:orders-2025-07:ClientId", "orders-app"),
            ("Keys:orders-2025:NotAfter", "2025-06-01T13:00:00Z"));

        (await (await SendAsync("api/authenticated/x", newKey)).ReadEchoAsync()).Headers["x-client-id"].Should().Be("orders-app");
        (await SendAsync("api/authenticated/x", OrdersKey)).StatusCode.Should().Be(HttpStatusCode.OK, "the old key works until its NotAfter");

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        await (await SendAsync("api/authenticated/x", OrdersKey)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await SendAsync("api/authenticated/x", newKey)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_query_is_not_read_unless_enabled()
    {
        await (await _gateway.Client.GetAsync($"api/authenticated/x?api_key={OrdersKey}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        await using var gateway = await StartGatewayAsync(new() { [$"{Section}:QueryParameterName"] = "api_key" });
        (await gateway.Client.GetAsync($"api/authenticated/x?api_key={OrdersKey}")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Keys_unknown_to_configuration_are_looked_up_in_the_store_by_hash_only()
    {
        const string storedKey = "ek_live_stored_0123456789abcdef0123";
        var store = new RecordingStore(new ApiKeyRecord("db-1", SHA256.HashData("ek_live_stored_0123456789abcdef0123"u8), "db-app", ["orders.read"], "silver"));
        await using var gateway = await StartGatewayAsync(services: s => s.AddSingleton<IApiKeyStore>(store));

        var echo = await (await SendAsync("api/orders-read/x", storedKey, gateway)).ReadEchoAsync();
        await (await SendAsync("api/authenticated/x", "ek_live_absent_0123456789abcdef0123", gateway)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await SendAsync("api/authenticated/x", OrdersKey, gateway)).StatusCode.Should().Be(HttpStatusCode.OK);

        echo.Headers["x-client-id"].Should().Be("db-app");
        echo.Headers["x-tier"].Should().Be("silver");
        store.Lookups.Should().Be(2, "configured keys are found without asking the store");
    }

    [Fact]
    public async Task A_store_record_whose_hash_differs_from_the_presented_key_is_refused()
    {
        var store = new RecordingStore(new ApiKeyRecord("db-1", new byte[32], "db-app"), matchAny: true);
        await using var gateway = await StartGatewayAsync(services: s => s.AddSingleton<IApiKeyStore>(store));

        await (await SendAsync("api/authenticated/x", "ek_live_other_0123456789abcdef01234", gateway)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    private sealed class RecordingStore(ApiKeyRecord record, bool matchAny = false) : IApiKeyStore
    {
        private int _lookups;

        public int Lookups => Volatile.Read(ref _lookups);

        public ValueTask<ApiKeyRecord?> FindAsync(ReadOnlyMemory<byte> keyHash, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _lookups);
            return ValueTask.FromResult(matchAny || CryptographicOperations.FixedTimeEquals(keyHash.Span, record.Hash.Span) ? record : null);
        }
    }
}
