using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

public sealed class EdgeKitRateLimiterPolicyTests
{
    private static Dictionary<string, string?> PerClient(int permits, string window, string? kind = null, string? name = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window"] = window,
        };
        if (kind is not null)
        {
            settings["EdgeKit:RateLimiting:Policies:per-client:Partition:Kind"] = kind;
        }

        if (name is not null)
        {
            settings["EdgeKit:RateLimiting:Policies:per-client:Partition:Name"] = name;
        }

        return settings;
    }

    [Fact]
    public async Task Accepts_the_quota_then_answers_429_with_retry_after_headers_and_problem_json()
    {
        await using var app = await RateLimitedApp.StartAsync(PerClient(2, "00:01:00"));

        using var first = await app.GetAsync("/limited");
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(first, "RateLimit-Policy").Should().Be("\"per-client\";q=2;w=60");
        Header(first, "RateLimit").Should().Be("\"per-client\";r=1;t=30");

        using var second = await app.GetAsync("/limited");
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(second, "RateLimit").Should().Be("\"per-client\";r=0;t=60");

        app.Time.Advance(TimeSpan.FromSeconds(10.5));
        using var rejected = await app.GetAsync("/limited");
        rejected.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        rejected.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(20), "19.5 s rounded up");
        Header(rejected, "RateLimit-Policy").Should().Be("\"per-client\";q=2;w=60");
        Header(rejected, "RateLimit").Should().Be("\"per-client\";r=0;t=50", "49.5 s rounded up");
        rejected.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using var body = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("type").GetString().Should().Be("https://iana.org/assignments/http-problem-types#quota-exceeded");
        body.RootElement.GetProperty("status").GetInt32().Should().Be(429);
        body.RootElement.GetProperty("violated-policies")[0].GetString().Should().Be("per-client");

        app.Time.Advance(TimeSpan.FromSeconds(19.5));
        using var again = await app.GetAsync("/limited");
        again.StatusCode.Should().Be(HttpStatusCode.OK, "one permit refilled after 30 s");
    }

    [Fact]
    public async Task Endpoints_without_the_policy_are_not_limited_and_carry_no_headers()
    {
        await using var app = await RateLimitedApp.StartAsync(PerClient(1, "00:01:00"));
        for (int i = 0; i < 3; i++)
        {
            using var response = await app.GetAsync("/open");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.Contains("RateLimit").Should().BeFalse();
        }
    }

    [Fact]
    public async Task Api_keys_have_separate_buckets_and_a_missing_key_counts_by_client_ip()
    {
        await using var app = await RateLimitedApp.StartAsync(PerClient(1, "00:01:00", "ApiKey"));

        (await Status(app, ("X-Api-Key", "alpha"))).Should().Be(HttpStatusCode.OK);
        (await Status(app, ("X-Api-Key", "alpha"))).Should().Be(HttpStatusCode.TooManyRequests);
        (await Status(app, ("X-Api-Key", "beta"))).Should().Be(HttpStatusCode.OK);
        (await Status(app)).Should().Be(HttpStatusCode.OK, "no key: the client IP's bucket");
        (await Status(app)).Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Forwarded_for_is_believed_only_from_a_trusted_proxy()
    {
        var trusted = PerClient(1, "00:01:00");
        trusted["EdgeKit:RateLimiting:KnownProxies:0"] = "127.0.0.1";
        await using (var app = await RateLimitedApp.StartAsync(trusted))
        {
            (await Status(app, ("X-Forwarded-For", "198.51.100.1"))).Should().Be(HttpStatusCode.OK);
            (await Status(app, ("X-Forwarded-For", "198.51.100.2"))).Should().Be(HttpStatusCode.OK, "another client behind the proxy");
            (await Status(app, ("X-Forwarded-For", "203.0.113.66, 198.51.100.1"))).Should().Be(HttpStatusCode.TooManyRequests,
                "the entry the client wrote (leftmost) is ignored: the proxy said 198.51.100.1");
        }

        await using (var app = await RateLimitedApp.StartAsync(PerClient(1, "00:01:00")))
        {
            (await Status(app, ("X-Forwarded-For", "198.51.100.1"))).Should().Be(HttpStatusCode.OK);
            (await Status(app, ("X-Forwarded-For", "198.51.100.2"))).Should().Be(HttpStatusCode.TooManyRequests, "no trusted proxy: the header is ignored");
        }
    }

    [Fact]
    public async Task Code_first_policy_with_two_limits_and_a_custom_key_advertises_both_limits()
    {
        await using var app = await RateLimitedApp.StartAsync(
            new Dictionary<string, string?>(),
            services => services.AddEdgeKit().AddRateLimitPolicy("tenant", p =>
            {
                p.AddLimit(2, TimeSpan.FromSeconds(1)).AddLimit(3, TimeSpan.FromHours(1));
                p.Partition.KeySelector = context => context.Request.Query["tenant"];
            }),
            web => web.MapGet("/tenant", () => "t").RequireRateLimiting("tenant"));

        using var first = await app.GetAsync("/tenant?tenant=a");
        Header(first, "RateLimit-Policy").Should().Be("\"tenant-1s\";q=2;w=1, \"tenant-3600s\";q=3;w=3600");
        Header(first, "RateLimit").Should().Be("\"tenant-1s\";r=1;t=1");
        (await app.GetAsync("/tenant?tenant=a")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.GetAsync("/tenant?tenant=a")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await app.GetAsync("/tenant?tenant=b")).StatusCode.Should().Be(HttpStatusCode.OK);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        using var third = await app.GetAsync("/tenant?tenant=a");
        third.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(third, "RateLimit").Should().Be("\"tenant-3600s\";r=0;t=3599", "the hourly limit is now the most restrictive");
        using var rejected = await app.GetAsync("/tenant?tenant=a");
        rejected.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        rejected.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1199), "one permit of 3/h refills in 1200 s, 1 s has passed");
    }

    [Fact]
    public async Task Headers_can_be_turned_off()
    {
        var settings = PerClient(5, "00:00:10");
        settings["EdgeKit:RateLimiting:EmitRateLimitHeaders"] = "false";
        await using var app = await RateLimitedApp.StartAsync(settings);
        using var response = await app.GetAsync("/limited");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("RateLimit").Should().BeFalse();
        response.Headers.Contains("RateLimit-Policy").Should().BeFalse();
    }

    [Fact]
    public async Task A_known_proxy_network_is_trusted_like_an_address()
    {
        var trusted = PerClient(1, "00:01:00");
        trusted["EdgeKit:RateLimiting:KnownProxies:0"] = "127.0.0.0/8";
        await using var app = await RateLimitedApp.StartAsync(trusted);

        (await Status(app, ("X-Forwarded-For", "198.51.100.1"))).Should().Be(HttpStatusCode.OK);
        (await Status(app, ("X-Forwarded-For", "198.51.100.2"))).Should().Be(HttpStatusCode.OK, "another client behind the proxy network");
        (await Status(app, ("X-Forwarded-For", "198.51.100.1"))).Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Invalid_settings_fail_the_start_with_every_problem()
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "0",
            ["EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window"] = "00:00:00",
            ["EdgeKit:RateLimiting:Policies:per-client:Partition:Kind"] = "Header",
            ["EdgeKit:RateLimiting:Policies:bad\"name:Limits:0:PermitLimit"] = "1",
            ["EdgeKit:RateLimiting:Policies:bad\"name:Limits:0:Window"] = "00:00:01",
            ["EdgeKit:RateLimiting:KnownProxies:0"] = "10.0.0.0/99",
            ["EdgeKit:RateLimiting:KnownProxies:1"] = "10.0.0.1/8",
            ["EdgeKit:RateLimiting:KnownProxies:2"] = "gateway.local",
            ["EdgeKit:RateLimiting:Policies:elsewhere:Limits:0:PermitLimit"] = "1",
            ["EdgeKit:RateLimiting:Policies:elsewhere:Limits:0:Window"] = "00:00:01",
            ["EdgeKit:RateLimiting:Policies:elsewhere:Store"] = "redis",
        };

        var start = () => RateLimitedApp.StartAsync(settings);

        var thrown = await start.Should().ThrowAsync<OptionsValidationException>();
        thrown.Which.Failures.Should().BeEquivalentTo(
            "EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit must be at least 1 (was 0).",
            "EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window must be positive and at most 366.00:00:00 (was 00:00:00).",
            "EdgeKit:RateLimiting:Policies:per-client:Partition:Name is required for kind Header (the header name).",
            "EdgeKit:RateLimiting:Policies:bad\"name: a policy name must be printable ASCII without '\"' or '\\' (it is advertised in RateLimit headers).",
            "EdgeKit:RateLimiting:Policies:elsewhere:Store 'redis' is not a registered rate-limiter store (registered: local).",
            "EdgeKit:RateLimiting:KnownProxies:0: '10.0.0.0/99' is not a CIDR network such as 10.0.0.0/8 or fd00::/8 (the address must have no bits set beyond the prefix).",
            "EdgeKit:RateLimiting:KnownProxies:1: '10.0.0.1/8' is not a CIDR network such as 10.0.0.0/8 or fd00::/8 (the address must have no bits set beyond the prefix).",
            "EdgeKit:RateLimiting:KnownProxies:2: 'gateway.local' is not an IP address or a CIDR network.");
    }

    [Fact]
    public async Task A_policy_can_keep_its_counts_in_another_store()
    {
        var settings = PerClient(5, "00:01:00");
        settings["EdgeKit:RateLimiting:Policies:per-client:Store"] = "Shared";
        var store = new RejectingStore();
        await using var app = await RateLimitedApp.StartAsync(settings,
            services => services.TryAddEnumerable(ServiceDescriptor.Singleton<IRateLimiterStore>(store)));

        using var response = await app.GetAsync("/limited");

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(7));
        Header(response, "RateLimit").Should().Be("\"per-client\";r=0;t=42");
        store.Settings!.PolicyName.Should().Be("per-client");
        store.Settings.Limits.Should().ContainSingle().Which.PermitLimit.Should().Be(5);
        store.Keys.Should().NotBeEmpty().And.OnlyContain(k => k == "127.0.0.1", "a ClientIp key is the address itself; the middleware tries AttemptAcquire, then AcquireAsync: each with the request's key");
    }

    [Fact]
    public void Two_stores_with_one_name_are_refused()
    {
        var stores = () => EdgeKitRateLimitPolicies.StoresByName([new RejectingStore(), new RejectingStore()]);
        stores.Should().Throw<InvalidOperationException>().WithMessage("Two rate-limiter stores are named 'Shared' (RejectingStore and RejectingStore).");
    }

    private sealed class RejectingStore : IRateLimiterStore
    {
        public string Name => "shared";

        public RateLimiterStoreSettings? Settings { get; private set; }

        public List<string> Keys { get; } = [];

        public PartitionedRateLimiter<string> CreateLimiter(RateLimiterStoreSettings settings)
        {
            Settings = settings;
            return PartitionedRateLimiter.Create<string, string>(key =>
            {
                Keys.Add(key);
                return RateLimitPartition.Get(key, _ => new Rejecting());
            });
        }

        private sealed class Rejecting : RateLimiter
        {
            public override TimeSpan? IdleDuration => null;

            public override RateLimiterStatistics? GetStatistics() => null;

            protected override RateLimitLease AttemptAcquireCore(int permitCount) => new Lease();

            protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) => new(new Lease());
        }

        private sealed class Lease : RateLimitLease
        {
            public override bool IsAcquired => false;

            public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name, RateLimitMetadataNames.Quota.Name];

            public override bool TryGetMetadata(string metadataName, out object? metadata)
            {
                metadata = metadataName == MetadataName.RetryAfter.Name ? TimeSpan.FromSeconds(7)
                    : metadataName == RateLimitMetadataNames.Quota.Name ? new RateLimitQuota("per-client", 5, TimeSpan.FromMinutes(1), 0, TimeSpan.FromSeconds(42))
                    : null;
                return metadata is not null;
            }
        }
    }

    [Fact]
    public void Registration_is_idempotent()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddRateLimiting();
        services.AddEdgeKit().AddRateLimiting();
        services.Count(d => d.ServiceType == typeof(EdgeKitRateLimitPolicies)).Should().Be(1);
    }

    private static async Task<HttpStatusCode> Status(RateLimitedApp app, params (string, string)[] headers)
    {
        using var response = await app.GetAsync("/limited", headers);
        return response.StatusCode;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
