using System.Globalization;
using System.Net;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Caching;

/// <summary>
/// One test per caching rule of issue 14, through a real gateway route (the forwarder, on Kestrel) in front of a real
/// Kestrel backend, on a fake clock: status, headers, body, and whether the backend was contacted.
/// </summary>
public sealed class GatewayCacheConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private EchoBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private int _calls;

    /// <summary>How the backend answers a call (numbered from 1); the Date header is set from the fake clock first.</summary>
    private Func<HttpContext, int, Task> Backend { get; set; } = (context, call) => context.Response.WriteAsync("v" + call);

    private List<IHeaderDictionary> Received { get; } = [];

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("b");
        _backend.Override = async context =>
        {
            int call = Interlocked.Increment(ref _calls);
            lock (Received)
            {
                Received.Add(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
            }

            context.Response.Headers.Date = _time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
            await Backend(context, call);
        };
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = _backend.Address,
            ["Caching:Policies:api:Mode"] = "Shared",
            ["Caching:Policies:cdn:TargetedCacheControlFields:0"] = "EdgeKit-Cache-Control",
            ["Caching:Policies:cdn:TargetedCacheControlFields:1"] = "CDN-Cache-Control",
            ["Routes:cdn:Match:Path"] = "/cdn/{**rest}",
            ["Routes:cdn:Cluster"] = "c",
            ["Routes:cdn:CachePolicy"] = "cdn",
            ["Routes:api:Match:Path"] = "/{**rest}",
            ["Routes:api:Cluster"] = "c",
            ["Routes:api:CachePolicy"] = "api",
        }, configureBuilder: builder => builder.Services.AddSingleton<TimeProvider>(_time));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private int Calls => Volatile.Read(ref _calls);

    private void Serve(string body, params (string Name, string Value)[] headers) =>
        Backend = (context, _) =>
        {
            foreach (var (name, value) in headers)
            {
                context.Response.Headers.Append(name, value);
            }

            return context.Response.WriteAsync(body);
        };

    private async Task<Answer> GetAsync(string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _gateway.Client.SendAsync(request);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase));
    }

    private sealed record Answer(int Status, string Body, Dictionary<string, string> Headers)
    {
        public string? this[string name] => Headers.GetValueOrDefault(name);
    }

    private const string LastModified = "Wed, 01 Jan 2025 10:00:00 GMT";

    [Fact]
    public async Task Conditional_requests_are_answered_304_from_a_fresh_stored_response_without_the_backend()
    {
        Serve("hello", ("Cache-Control", "max-age=60"), ("ETag", "\"a\""), ("Last-Modified", LastModified), ("Vary", "Accept-Language"), ("X-Backend", "b"));
        await GetAsync("/r");
        _time.Advance(TimeSpan.FromSeconds(10));

        var strong = await GetAsync("/r", ("If-None-Match", "\"a\""));
        var weak = await GetAsync("/r", ("If-None-Match", "\"x\", W/\"a\""));
        var since = await GetAsync("/r", ("If-Modified-Since", LastModified));
        var precedence = await GetAsync("/r", ("If-None-Match", "\"b\""), ("If-Modified-Since", LastModified));

        Calls.Should().Be(1);
        strong.Status.Should().Be(304);
        strong.Body.Should().BeEmpty();
        strong.Headers.Keys.Should().BeEquivalentTo("Date", "ETag", "Cache-Control", "Vary", "Age", "Cache-Status", "Server");
        strong["ETag"].Should().Be("\"a\"");
        strong["Cache-Control"].Should().Be("max-age=60");
        strong["Age"].Should().Be("10");
        strong["Cache-Status"].Should().Be("EdgeKit; hit; ttl=50");
        weak.Status.Should().Be(304);
        since.Status.Should().Be(304);
        precedence.Status.Should().Be(200, "If-None-Match decides; If-Modified-Since is then ignored");
        precedence.Body.Should().Be("hello");
    }

    [Fact]
    public async Task A_stale_entry_is_revalidated_with_its_stored_validators_and_a_client_conditional_goes_unchanged_when_nothing_is_stored()
    {
        Backend = (context, call) =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ETag = "\"a\"";
            if (context.Request.Headers.IfNoneMatch == "\"a\"")
            {
                context.Response.StatusCode = 304;
                return Task.CompletedTask;
            }

            return context.Response.WriteAsync("v" + call);
        };

        var miss = await GetAsync("/r", ("If-None-Match", "\"old\""));
        _time.Advance(TimeSpan.FromSeconds(120));
        var revalidated = await GetAsync("/r", ("If-None-Match", "\"old\""));
        var fromStore = await GetAsync("/r", ("If-None-Match", "\"a\""));

        Received.Select(r => r.IfNoneMatch.ToString()).Should().Equal("\"old\"", "\"a\"");
        miss.Status.Should().Be(200);
        miss["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        revalidated.Status.Should().Be(200);
        revalidated.Body.Should().Be("v1");
        revalidated["Cache-Status"].Should().Be("EdgeKit; fwd=stale; fwd-status=304; stored");
        fromStore.Status.Should().Be(304);
        fromStore["Cache-Status"].Should().Be("EdgeKit; hit; ttl=60");
        Calls.Should().Be(2);
    }

    [Fact]
    public async Task Single_ranges_are_served_from_a_stored_200_and_If_Range_is_honoured()
    {
        Serve("0123456789", ("Cache-Control", "max-age=60"), ("ETag", "\"a\""), ("Content-Type", "text/plain"));
        await GetAsync("/r");

        var part = await GetAsync("/r", ("Range", "bytes=2-4"));
        var suffix = await GetAsync("/r", ("Range", "bytes=-3"));
        var unsatisfiable = await GetAsync("/r", ("Range", "bytes=10-"));
        var changed = await GetAsync("/r", ("Range", "bytes=2-4"), ("If-Range", "\"b\""));
        var same = await GetAsync("/r", ("Range", "bytes=0-0"), ("If-Range", "\"a\""));

        Calls.Should().Be(1);
        part.Status.Should().Be(206);
        part.Body.Should().Be("234");
        part["Content-Range"].Should().Be("bytes 2-4/10");
        part["Content-Length"].Should().Be("3");
        part["Content-Type"].Should().Be("text/plain");
        part["Cache-Status"].Should().Be("EdgeKit; hit; ttl=60");
        suffix.Body.Should().Be("789");
        suffix["Content-Range"].Should().Be("bytes 7-9/10");
        unsatisfiable.Status.Should().Be(416);
        unsatisfiable.Body.Should().BeEmpty();
        unsatisfiable["Content-Range"].Should().Be("bytes */10");
        changed.Status.Should().Be(200);
        changed.Body.Should().Be("0123456789");
        same.Status.Should().Be(206);
        same.Body.Should().Be("0");
    }

    [Fact]
    public async Task A_backends_206_is_never_stored_and_several_ranges_are_forwarded()
    {
        Backend = async (context, call) =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            string range = context.Request.Headers.Range.ToString();
            if (range == "bytes=0-1")
            {
                context.Response.StatusCode = 206;
                context.Response.Headers.ContentRange = "bytes 0-1/10";
                await context.Response.WriteAsync("01");
                return;
            }

            await context.Response.WriteAsync("0123456789");
        };

        var first = await GetAsync("/r", ("Range", "bytes=0-1"));
        var other = await GetAsync("/r", ("Range", "bytes=5-6"));
        var fromStore = await GetAsync("/r", ("Range", "bytes=5-6"));
        var several = await GetAsync("/r", ("Range", "bytes=0-1, 4-5"));

        first.Status.Should().Be(206);
        first.Body.Should().Be("01");
        first["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=206; detail=status");
        other.Status.Should().Be(200, "the backend answered this range with the whole representation, passed on and stored");
        other.Body.Should().Be("0123456789");
        other["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        fromStore.Status.Should().Be(206);
        fromStore.Body.Should().Be("56");
        fromStore["Content-Range"].Should().Be("bytes 5-6/10");
        several.Status.Should().Be(200);
        several["Cache-Status"].Should().Be("EdgeKit; fwd=request; fwd-status=200; stored");
        Received.Select(r => r.Range.ToString()).Should().Equal("bytes=0-1", "bytes=5-6", "bytes=0-1, 4-5");
    }

    [Fact]
    public async Task A_list_valued_Age_makes_a_response_stale_by_its_first_value()
    {
        Serve("aged", ("Cache-Control", "max-age=3600"), ("ETag", "\"a\""), ("Age", "7200"), ("Age", "0"));

        var first = await GetAsync("/r");
        var second = await GetAsync("/r");

        Calls.Should().Be(2);
        first["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        second["Cache-Status"].Should().Be("EdgeKit; fwd=stale; fwd-status=200; stored");
    }

    [Theory]
    [InlineData("Wednesday, 01-Jan-25 12:01:00 GMT")]
    [InlineData("Wed Jan  1 12:01:00 2025")]
    [InlineData("wed, 01 jan 2025 12:01:00 gmt")]
    public async Task Expires_in_every_HTTP_date_form_gives_freshness(string expires)
    {
        Serve("e", ("Expires", expires));

        await GetAsync("/r");
        _time.Advance(TimeSpan.FromSeconds(30));
        var hit = await GetAsync("/r");

        Calls.Should().Be(1);
        hit["Cache-Status"].Should().Be("EdgeKit; hit; ttl=30");
        hit["Age"].Should().Be("30");
    }

    [Fact]
    public async Task An_invalid_Expires_means_already_expired()
    {
        Serve("e", ("Expires", "0"));

        var first = await GetAsync("/r");
        await GetAsync("/r");

        Calls.Should().Be(2);
        first["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=stale-without-validator");
    }

    [Fact]
    public async Task A_policy_acting_as_a_CDN_obeys_its_own_targeted_field_then_CDN_Cache_Control_over_Cache_Control()
    {
        Backend = (context, call) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["CDN-Cache-Control"] = "max-age=60";
            if (context.Request.Path.Value!.EndsWith("/own", StringComparison.Ordinal))
            {
                context.Response.Headers["EdgeKit-Cache-Control"] = "private";
            }

            return context.Response.WriteAsync("v" + call);
        };

        await GetAsync("/cdn/a");
        var cdnHit = await GetAsync("/cdn/a");
        var own = await GetAsync("/cdn/own");
        var notOptedIn = await GetAsync("/plain");

        cdnHit.Body.Should().Be("v1");
        cdnHit["Cache-Status"].Should().Be("EdgeKit; hit; ttl=60");
        cdnHit["CDN-Cache-Control"].Should().Be("max-age=60");
        own["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=private");
        notOptedIn["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=200; detail=no-store");
        Calls.Should().Be(3);
    }

    [Fact]
    public async Task Must_understand_stores_an_understood_status_despite_no_store_but_not_an_unknown_one()
    {
        Backend = (context, call) =>
        {
            context.Response.StatusCode = context.Request.Path == "/odd" ? 299 : 200;
            context.Response.Headers.CacheControl = "max-age=60, must-understand, no-store";
            return context.Response.WriteAsync("v" + call);
        };

        await GetAsync("/ok");
        var hit = await GetAsync("/ok");
        var odd = await GetAsync("/odd");

        hit.Body.Should().Be("v1");
        hit["Cache-Status"].Should().Be("EdgeKit; hit; ttl=60");
        odd.Status.Should().Be(299);
        odd["Cache-Status"].Should().Be("EdgeKit; fwd=miss; fwd-status=299; detail=must-understand");
        Calls.Should().Be(2);
    }

    [Theory]
    [InlineData("max-age=10, stale-if-error=600", 200)]
    [InlineData("max-age=10, stale-if-error=600, must-revalidate", 502)]
    [InlineData("max-age=10, stale-if-error=600, proxy-revalidate", 502)]
    [InlineData("max-age=10, s-maxage=10, stale-if-error=600", 502)]
    [InlineData("max-age=10, stale-if-error=600, no-cache", 502)]
    public async Task Stale_if_error_covers_a_backend_that_resets_the_connection_unless_a_directive_forbids_stale(string cacheControl, int status)
    {
        Backend = (context, call) =>
        {
            if (call > 1)
            {
                // The connection closes without a response.
                context.Abort();
                return Task.CompletedTask;
            }

            context.Response.Headers.CacheControl = cacheControl;
            context.Response.Headers.ETag = "\"a\"";
            return context.Response.WriteAsync("v1");
        };

        await GetAsync("/r");
        _time.Advance(TimeSpan.FromSeconds(60));
        var answer = await GetAsync("/r");

        Calls.Should().Be(2);
        answer.Status.Should().Be(status);
        if (status == 200)
        {
            answer.Body.Should().Be("v1");
            answer["Cache-Status"].Should().Be("EdgeKit; fwd=stale; fwd-status=502; detail=stale-if-error");
            answer["Age"].Should().Be("60");
        }
        else
        {
            answer["Content-Type"].Should().Be("application/problem+json");
            answer["Cache-Status"].Should().Be("EdgeKit; fwd=stale; fwd-status=502; detail=no-store");
        }
    }
}
