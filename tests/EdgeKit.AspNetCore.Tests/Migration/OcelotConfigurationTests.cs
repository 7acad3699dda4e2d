using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.Migration;

/// <summary>
/// Ocelot configurations, shaped like the examples of Ocelot's documentation, run through EdgeKit with
/// <c>AddOcelotConfiguration</c>: real requests through a real gateway to real backends.
/// </summary>
public sealed class OcelotConfigurationTests
{
    private static readonly Action<IEdgeKitBuilder, IConfiguration> s_ocelot = (edge, configuration) => edge.AddOcelotConfiguration(configuration);

    private static async Task<JsonObject> GetAsync(HttpClient client, string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task Templates_placeholders_everything_methods_priority_and_load_balancers_route_as_ocelot_documents()
    {
        await using var posts1 = await EchoBackend.StartAsync("posts1");
        await using var posts2 = await EchoBackend.StartAsync("posts2");
        await using var first = await EchoBackend.StartAsync("first");
        await using var second = await EchoBackend.StartAsync("second");
        await using var rest = await EchoBackend.StartAsync("rest");
        var p1 = new Uri(posts1.Address);
        var p2 = new Uri(posts2.Address);
        var f = new Uri(first.Address);
        var s = new Uri(second.Address);
        var r = new Uri(rest.Address);
        string json = $$"""
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/api/posts/{postId}",
                  "DownstreamScheme": "http",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{p1.Port}} }, { "Host": "127.0.0.1", "Port": {{p2.Port}} } ],
                  "UpstreamPathTemplate": "/posts/{postId}",
                  "UpstreamHttpMethod": [ "Get" ],
                  "LoadBalancerOptions": { "Type": "RoundRobin" },
                  "UpstreamHeaderTransform": { "Uncle": "Bob" },
                  "DownstreamHeaderTransform": { "X-Via-Gateway": "ocelot-compatible" }
                },
                {
                  "DownstreamPathTemplate": "/v1/{everything}",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{f.Port}} }, { "Host": "127.0.0.1", "Port": {{s.Port}} } ],
                  "UpstreamPathTemplate": "/first/{everything}",
                  "UpstreamHttpMethod": [ "Get", "Post" ]
                },
                {
                  "DownstreamPathTemplate": "/{everything}",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{r.Port}} } ],
                  "UpstreamPathTemplate": "/{everything}",
                  "UpstreamHttpMethod": [ "Get" ]
                },
                {
                  "DownstreamPathTemplate": "/special",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{s.Port}} } ],
                  "UpstreamPathTemplate": "/first/{everything}",
                  "UpstreamHttpMethod": [ "Get" ],
                  "Priority": 5
                }
              ],
              "GlobalConfiguration": { "BaseUrl": "https://api.mybusiness.com", "DownstreamScheme": "http" }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_ocelot);

        var landed = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/posts/{i}?expand=1");
            using var response = await gateway.Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.GetValues("X-Via-Gateway").Should().Equal("ocelot-compatible");
            var echo = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            echo["path"]!.GetValue<string>().Should().Be($"/api/posts/{i}");
            echo["query"]!.GetValue<string>().Should().Be("?expand=1", "Ocelot forwards the client's query");
            echo["headers"]!["uncle"]![0]!.GetValue<string>().Should().Be("Bob");
            landed.Add(echo["backend"]!.GetValue<string>());
        }

        landed.Should().Equal(landed[0], landed[1], landed[0], landed[1]);
        landed.Distinct().Should().BeEquivalentTo("posts1", "posts2");
        using (var delete = await gateway.Client.DeleteAsync("/posts/1"))
        {
            delete.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed, "no route takes DELETE /posts/{postId} (the catch-all is GET only)");
        }

        // Priority 5 beats the default 1 for the same template.
        (await GetAsync(gateway.Client, "/first/a/b"))["path"]!.GetValue<string>().Should().Be("/special");
        // NoLoadBalancer (Ocelot's default) always takes the first host.
        for (int i = 0; i < 3; i++)
        {
            using var post = await gateway.Client.PostAsync("/first/a/b%20c", new StringContent("{}"));
            var echo = (await post.Content.ReadFromJsonAsync<JsonObject>())!;
            echo["backend"]!.GetValue<string>().Should().Be("first");
            echo["path"]!.GetValue<string>().Should().Be("/v1/a/b c");
        }

        var caught = await GetAsync(gateway.Client, "/anything/else?x=1");
        caught["backend"]!.GetValue<string>().Should().Be("rest");
        caught["path"]!.GetValue<string>().Should().Be("/anything/else");
        second.Requests.Should().Be(1);
    }

    [Fact]
    public async Task AuthenticationProviderKey_AllowedScopes_and_RouteClaimsRequirement_answer_401_then_403_then_forward()
    {
        await using var backend = await EchoBackend.StartAsync("secure");
        var b = new Uri(backend.Address);
        string json = $$"""
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/{everything}",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{b.Port}} } ],
                  "UpstreamPathTemplate": "/secure/{everything}",
                  "AuthenticationOptions": { "AuthenticationProviderKey": "TestKey", "AllowedScopes": [ "orders.read" ] },
                  "RouteClaimsRequirement": { "tier": "gold" }
                }
              ]
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(
            json,
            s_ocelot,
            builder => builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, HeaderClaimsHandler>("TestKey", null),
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
            });

        using (var anonymous = await gateway.Client.GetAsync("/secure/x"))
        {
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        async Task<HttpStatusCode> StatusWith(string claims)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/secure/x");
            request.Headers.Add(HeaderClaimsHandler.Header, claims);
            using var response = await gateway.Client.SendAsync(request);
            return response.StatusCode;
        }

        (await StatusWith("scope=orders.read")).Should().Be(HttpStatusCode.Forbidden, "the tier claim is missing");
        (await StatusWith("scope=orders.write;tier=gold")).Should().Be(HttpStatusCode.Forbidden, "the scope is not allowed");
        (await StatusWith("scope=orders.read;tier=gold")).Should().Be(HttpStatusCode.OK);
        backend.Requests.Should().Be(1);
    }

    [Fact]
    public async Task Aggregates_answer_one_json_object_with_each_routes_response_under_its_key()
    {
        await using var users = await EchoBackend.StartAsync("users");
        await using var posts = await EchoBackend.StartAsync("posts");
        string json = $$"""
            {
              "Routes": [
                { "DownstreamPathTemplate": "/users/{id}", "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{new Uri(users.Address).Port}} } ], "UpstreamPathTemplate": "/users/{id}", "UpstreamHttpMethod": [ "Get" ], "Key": "User" },
                { "DownstreamPathTemplate": "/posts/by-user/{id}", "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{new Uri(posts.Address).Port}} } ], "UpstreamPathTemplate": "/posts/{id}", "UpstreamHttpMethod": [ "Get" ], "Key": "Posts" }
              ],
              "Aggregates": [ { "RouteKeys": [ "User", "Posts" ], "UpstreamPathTemplate": "/profile/{id}" } ]
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_ocelot);

        var combined = await GetAsync(gateway.Client, "/profile/7");

        combined["User"]!["backend"]!.GetValue<string>().Should().Be("users");
        combined["User"]!["path"]!.GetValue<string>().Should().Be("/users/7");
        combined["Posts"]!["backend"]!.GetValue<string>().Should().Be("posts");
        combined["Posts"]!["path"]!.GetValue<string>().Should().Be("/posts/by-user/7");
        (await GetAsync(gateway.Client, "/users/3"))["path"]!.GetValue<string>().Should().Be("/users/3", "a route in an aggregate stays a route");
    }

    [Fact]
    public async Task Cookie_sticky_sessions_keep_a_cookie_on_the_host_it_first_reached()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        string json = $$"""
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/{everything}",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{new Uri(one.Address).Port}} }, { "Host": "127.0.0.1", "Port": {{new Uri(two.Address).Port}} } ],
                  "UpstreamPathTemplate": "/{everything}",
                  "LoadBalancerOptions": { "Type": "CookieStickySessions", "Key": "ASP.NET_SessionId", "Expiry": 1800000 }
                }
              ]
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_ocelot);

        var a = new List<string>();
        var b = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            a.Add((await GetAsync(gateway.Client, "/x", ("Cookie", "ASP.NET_SessionId=alice")))["backend"]!.GetValue<string>());
            b.Add((await GetAsync(gateway.Client, "/x", ("Cookie", "ASP.NET_SessionId=bob")))["backend"]!.GetValue<string>());
        }

        a.Distinct().Should().ContainSingle();
        b.Distinct().Should().ContainSingle();
        a[0].Should().NotBe(b[0], "new sessions are placed in turn (round robin)");
    }

    [Fact]
    public async Task QoSOptions_circuit_breaker_opens_after_ExceptionsAllowedBeforeBreaking_failures_for_DurationOfBreak_and_TimeoutValue_is_the_routes_timeout()
    {
        // Ocelot's documented QoS example: 3 failures in a row open the circuit for 1 s; a request takes at most 5 s.
        await using var backend = await EchoBackend.StartAsync("flaky");
        backend.Override = context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };
        var port = new Uri(backend.Address).Port;
        string json = $$"""
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/api/{everything}",
                  "DownstreamScheme": "http",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{port}} } ],
                  "UpstreamPathTemplate": "/flaky/{everything}",
                  "QoSOptions": { "ExceptionsAllowedBeforeBreaking": 3, "DurationOfBreak": 1000, "TimeoutValue": 5000 }
                }
              ]
            }
            """;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_ocelot, b => b.Services.AddSingleton<TimeProvider>(time));

        for (int i = 0; i < 3; i++)
        {
            (await gateway.Client.GetAsync("/flaky/1")).StatusCode.Should().Be(HttpStatusCode.InternalServerError, "the backend's failures pass through, as with Ocelot");
        }

        using var open = await gateway.Client.GetAsync("/flaky/1");
        open.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the circuit is open: Ocelot answers 503 without calling the backend");
        (await open.Content.ReadFromJsonAsync<JsonObject>())!["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:no-available-destination");
        backend.Requests.Should().Be(3);

        time.Advance(TimeSpan.FromMilliseconds(1000));
        (await gateway.Client.GetAsync("/flaky/1")).StatusCode.Should().Be(HttpStatusCode.InternalServerError, "after DurationOfBreak the backend is called again");
        backend.Requests.Should().Be(4);

        var options = gateway.Services.GetRequiredService<IOptionsMonitor<EdgeKit.AspNetCore.Configuration.GatewayOptions>>().Get(Options.DefaultName);
        options.Routes["route0"].Timeout.Should().Be(TimeSpan.FromSeconds(5));
        gateway.Logs.Entries.Where(e => e.EventId == 1450).Select(e => e.Message).Should().BeEquivalentTo(
            "Imported configuration carried in part: Routes:0:QoSOptions:TimeoutValue: carried as the route's Timeout (5000 ms); a request that times out answers 504 Gateway Timeout, where Ocelot answers 503.",
            "Imported configuration carried in part: Routes:0:QoSOptions:ExceptionsAllowedBeforeBreaking/DurationOfBreak: carried as outlier detection (Consecutive5xx 3, ejection 1000 ms); it counts per destination where Ocelot's circuit is per route (the same with one host), and after the break a destination needs 3 new failures to be ejected again where Ocelot's half-open circuit reopens on the first.");
    }

    [Fact]
    public async Task RateLimitOptions_limit_each_ClientIdHeader_value_to_Limit_requests_per_Period_and_answer_429()
    {
        // Ocelot's documented rate-limiting example: 2 requests a minute per client, clients told apart by a header.
        await using var backend = await EchoBackend.StartAsync("limited");
        var port = new Uri(backend.Address).Port;
        string json = $$"""
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/api/{everything}",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{port}} } ],
                  "UpstreamPathTemplate": "/limited/{everything}",
                  "RateLimitOptions": { "ClientWhitelist": [], "EnableRateLimiting": true, "Period": "1m", "PeriodTimespan": 60, "Limit": 2 }
                }
              ],
              "GlobalConfiguration": {
                "RateLimitOptions": { "ClientIdHeader": "X-Client", "HttpStatusCode": 429, "DisableRateLimitHeaders": false, "RateLimitCounterPrefix": "ocelot" }
              }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_ocelot, configureApp: app => app.UseRateLimiter());

        async Task<HttpStatusCode> Send(string client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/limited/1");
            request.Headers.Add("X-Client", client);
            using var response = await gateway.Client.SendAsync(request);
            return response.StatusCode;
        }

        (await Send("a")).Should().Be(HttpStatusCode.OK);
        (await Send("a")).Should().Be(HttpStatusCode.OK);
        (await Send("a")).Should().Be(HttpStatusCode.TooManyRequests, "the third request of a minute is over client a's Limit");
        (await Send("b")).Should().Be(HttpStatusCode.OK, "client b has a Limit of its own");
        backend.Requests.Should().Be(3);
        gateway.Logs.Entries.Where(e => e.EventId == 1450).Select(e => e.Message).Should().Equal(
            "Imported configuration carried in part: Routes:0:RateLimitOptions: carried as the EdgeKit rate-limit policy 'ocelot:route0' (2 per 1m for each X-Client header value); it refills its 2 requests gradually over 1m where Ocelot's fixed window refills them all at once at the window's end, and after the limit a client waits for its next request (Retry-After), not PeriodTimespan (60 s) as Ocelot bans it; requests without the X-Client header are counted by client IP address, where Ocelot counts them all together.");
    }

    [Fact]
    public async Task A_rate_limited_Ocelot_route_is_limited_without_UseRateLimiter()
    {
        // The imported policy is an EdgeKit policy: the route takes its permit itself, no middleware needed.
        string json = """
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/api/{everything}",
                  "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": 9 } ],
                  "UpstreamPathTemplate": "/limited/{everything}",
                  "RateLimitOptions": { "EnableRateLimiting": true, "Period": "1h", "PeriodTimespan": 1, "Limit": 1 }
                }
              ]
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_ocelot);

        using var first = await gateway.Client.GetAsync("/limited/1");
        using var second = await gateway.Client.GetAsync("/limited/1");

        first.StatusCode.Should().Be(HttpStatusCode.BadGateway, "the first request took the permit and went to the (closed) backend port");
        second.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        second.Headers.GetValues("RateLimit-Policy").Should().Equal("\"ocelot:route0\";q=1;w=3600");
    }

    [Fact]
    public async Task Keys_edgekit_does_not_support_and_unknown_keys_fail_the_start_at_once_naming_their_path()
    {
        string json = """
            {
              "Routes": [
                {
                  "DownstreamPathTemplate": "/api/{id}",
                  "DownstreamHostAndPorts": [ { "Host": "localhost", "Port": 5001 } ],
                  "UpstreamPathTemplate": "/items/{id}",
                  "UpstreamHttpMetod": [ "Get" ],
                  "RateLimitOptions": { "ClientWhitelist": [ "admin" ], "EnableRateLimiting": true, "Period": "1 second", "PeriodTimespan": 1, "Limit": 0 },
                  "FileCacheOptions": { "TtlSeconds": 15 },
                  "QoSOptions": { "ExceptionsAllowedBeforeBreaking": 3, "TimeoutValue": 5000, "FailureRatio": 0.5 },
                  "AddHeadersToRequest": { "CustomerId": "Claims[sub] > value[1] > |" },
                  "AuthenticationOptions": { "AuthenticationProviderKey": "Bearer", "AllowedScopes": [ "a", "b" ] },
                  "HttpHandlerOptions": { "AllowAutoRedirect": true, "UseProxy": false }
                },
                { "DownstreamPathTemplate": "/x/{other}", "DownstreamHostAndPorts": [ { "Host": "localhost", "Port": 5002 } ], "UpstreamPathTemplate": "/x?id={id}" }
              ],
              "GlobalConfiguration": {
                "RequestIdKey": "OcRequestId", "ServiceDiscoveryProvider": { "Host": "localhost", "Port": 8500, "Type": "Consul" },
                "RateLimitOptions": { "QuotaExceededMessage": "Slow down", "HttpStatusCode": 418 }
              }
            }
            """;
        var app = ImportGatewayHost.Build(json, s_ocelot, null, out _, out _);
        await using var disposeApp = app;

        var start = () => app.StartAsync();

        var error = (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().BeEquivalentTo(
            "GlobalConfiguration:RequestIdKey is not supported by EdgeKit: EdgeKit does not generate request ids; W3C trace context (traceparent) is propagated instead.",
            "GlobalConfiguration:ServiceDiscoveryProvider is not supported by EdgeKit: EdgeKit resolves services through Microsoft.Extensions.ServiceDiscovery (EdgeKit:Clusters:<name>:ServiceName), not Ocelot's Consul/Eureka/Kubernetes providers; list DownstreamHostAndPorts instead.",
            "Routes:0:UpstreamHttpMetod is not an Ocelot route setting; did you mean UpstreamHttpMethod?",
            "Routes:0:AddHeadersToRequest is not supported by EdgeKit: EdgeKit turns claims into request headers through identity forwarding profiles (EdgeKit:IdentityForwarding, route key IdentityForwarding), not Ocelot's claims transformation syntax.",
            "Routes:0:AuthenticationOptions:AllowedScopes is not supported by EdgeKit: Ocelot accepts a caller with any one of several scopes, EdgeKit's policies require all of theirs; list one scope, or define the policy in EdgeKit:Authorization:Policies.",
            "Routes:0:RateLimitOptions:ClientWhitelist is not supported by EdgeKit: an EdgeKit rate-limit policy has no clients it lets through unlimited; give those clients a route of their own without RateLimiterPolicy, or a policy with a higher limit.",
            "Routes:0:RateLimitOptions:Period: '1 second' is not an Ocelot period; write a number and a unit: ms, s, m, h or d (e.g. 1s, 5m, 1h, 1d).",
            "Routes:0:RateLimitOptions:Limit: a positive number of requests per Period is required with EnableRateLimiting.",
            "GlobalConfiguration:RateLimitOptions:QuotaExceededMessage is not supported by EdgeKit: EdgeKit answers a request over its limit with a problem+json body (RFC 9457, type quota-exceeded) and Retry-After, not a text of the configuration's.",
            "GlobalConfiguration:RateLimitOptions:HttpStatusCode is not supported by EdgeKit: EdgeKit answers a request over its limit 429 Too Many Requests (as HTTP specifies); only 429 is accepted.",
            "Routes:0:FileCacheOptions:TtlSeconds is not supported by EdgeKit: Ocelot caches every answer for a fixed time whatever the backend says; EdgeKit caches by HTTP's rules (Cache-Control) with its own policies (EdgeKit:Caching:Policies, route key CachePolicy).",
            "Routes:0:QoSOptions:FailureRatio is not supported by EdgeKit: Ocelot's failure-ratio circuit breaker (a share of failures over a sampling window, per route) has no EdgeKit counterpart; use ExceptionsAllowedBeforeBreaking and DurationOfBreak (consecutive failures), which EdgeKit carries as outlier detection.",
            "Routes:0:QoSOptions:DurationOfBreak: a positive number of milliseconds is required with ExceptionsAllowedBeforeBreaking (how long the circuit stays open).",
            "Routes:0:HttpHandlerOptions:AllowAutoRedirect is not supported by EdgeKit: EdgeKit passes redirects to the client as the backend sent them.",
            "Routes:1:UpstreamPathTemplate is not supported by EdgeKit with a query ('/x?id={id}'): routes match the path; match query parameters in EdgeKit's configuration (Match:QueryParameters).",
            "Routes:1:DownstreamPathTemplate: '/x/{other}' uses {other}, which UpstreamPathTemplate does not capture.");
    }

    [Fact]
    public async Task An_ocelot_json_file_reloads_like_edgekits_own_configuration()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        string Config(EchoBackend backend) => $$"""
            { "Routes": [ { "DownstreamPathTemplate": "/{everything}", "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{new Uri(backend.Address).Port}} } ], "UpstreamPathTemplate": "/{everything}" } ] }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(Config(one), s_ocelot);
        (await GetAsync(gateway.Client, "/a"))["backend"]!.GetValue<string>().Should().Be("one");

        gateway.Reload(Config(two));

        (await GetAsync(gateway.Client, "/a"))["backend"]!.GetValue<string>().Should().Be("two");
        gateway.Services.GetRequiredService<IOptionsMonitor<EdgeKit.Configuration.EdgeKitOptions>>().Get(Options.DefaultName).Clusters.Should().ContainKey("ocelot-route0");
    }

    [Fact]
    public async Task The_path_overload_loads_an_ocelot_json_file_and_a_missing_file_fails_at_registration()
    {
        await using var backend = await EchoBackend.StartAsync("file");
        string directory = Directory.CreateTempSubdirectory("edgekit-ocelot-").FullName;
        try
        {
            string file = Path.Combine(directory, "ocelot.json");
            await File.WriteAllTextAsync(file, $$"""
                { "Routes": [ { "DownstreamPathTemplate": "/svc/{everything}", "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": {{new Uri(backend.Address).Port}} } ], "UpstreamPathTemplate": "/{everything}" } ] }
                """);
            await using var gateway = await ImportGatewayHost.StartAsync("{}", (edge, _) => edge.AddOcelotConfiguration(file));

            (await GetAsync(gateway.Client, "/a/b"))["path"]!.GetValue<string>().Should().Be("/svc/a/b");

            var missing = () => new ServiceCollection().AddEdgeKit().AddOcelotConfiguration(Path.Combine(directory, "missing.json"));
            missing.Should().Throw<FileNotFoundException>();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Authenticates from <c>X-Test-Claims: type=value;type=value</c>; no header, no identity.</summary>
    private sealed class HeaderClaimsHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Header = "X-Test-Claims";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var value))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = value.ToString().Split(';').Select(p => p.Split('=')).Select(p => new Claim(p[0], p[1]));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
        }
    }
}
