using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeKit.Gateway.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.Gateway.Tests;

/// <summary><c>edgekit run</c>: one file, a real backend on 127.0.0.1, real HTTP.</summary>
public sealed class RunTests
{
    private static string Token(RSA key, string scope) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "test-issuer",
        Audience = "shop",
        Claims = new Dictionary<string, object> { ["sub"] = "ada", ["scope"] = scope },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
    });

    [Fact]
    public async Task A_route_JWT_a_rate_limit_and_the_cache_work_from_one_file_with_Via_on_and_Server_hidden()
    {
        int productCalls = 0;
        await using var backend = await Backend.StartAsync(app =>
        {
            app.MapGet("/orders/{id}", (string id, HttpContext c) => Results.Json(new { id, user = c.Request.Headers["X-User-Id"].ToString(), via = c.Request.Headers.Via.ToString() }));
            app.MapGet("/products", (HttpContext c) =>
            {
                Interlocked.Increment(ref productCalls);
                c.Response.Headers.CacheControl = "public, max-age=60";
                c.Response.Headers.Server = "backend/1.0";
                return Results.Text("products");
            });
        });
        using var key = RSA.Create(2048);
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "EdgeKit": {
                "Clusters": { "shop": { "Destinations": { "s1": { "Address": "{{backend.Address}}" } } } },
                "Routes": {
                  "orders": { "Match": { "Path": "/orders/{id}" }, "Cluster": "shop", "AuthorizationPolicy": "orders-read", "IdentityForwarding": "user" },
                  "products": { "Match": { "Path": "/products" }, "Cluster": "shop", "RateLimiterPolicy": "per-ip", "CachePolicy": "api" }
                },
                "Authentication": {
                  "Jwt": { "Issuers": [ "test-issuer" ], "Audiences": [ "shop" ], "SigningKeys": [ { "KeyId": "k1", "PublicKeyPem": {{JsonSerializer.Serialize(key.ExportSubjectPublicKeyInfoPem())}} } ] }
                },
                "Authorization": { "DefaultAuthenticationSchemes": [ "Bearer" ], "Policies": { "orders-read": { "Scopes": [ "orders.read" ] } } },
                "IdentityForwarding": { "user": { "Headers": { "X-User-Id": "sub" } } },
                "RateLimiting": { "Policies": { "per-ip": { "Limits": [ { "PermitLimit": 3, "Window": "00:10:00" } ], "Partition": { "Kind": "ClientIp" } } } },
                "Caching": { "Policies": { "api": { } } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);

        // JWT: no token → 401 with the Bearer challenge; a token without the scope → 403; with it → 200, identity forwarded.
        using (var anonymous = await gateway.Client.GetAsync("/orders/7"))
        {
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            anonymous.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
            anonymous.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        using (var wrongScope = new HttpRequestMessage(HttpMethod.Get, "/orders/7"))
        {
            wrongScope.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(key, "profile.read"));
            using var response = await gateway.Client.SendAsync(wrongScope);
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        using (var allowed = new HttpRequestMessage(HttpMethod.Get, "/orders/7"))
        {
            allowed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(key, "orders.read"));
            using var response = await gateway.Client.SendAsync(allowed);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Be("""{"id":"7","user":"ada","via":"1.1 edgekit"}""");
            response.Headers.Via.ToString().Should().Be("1.1 edgekit");
            response.Headers.Server.Should().BeEmpty("the gateway sends no Server header of its own");
        }

        // Cache: the second request is answered by the gateway; the backend's Server header is not passed on.
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.GetAsync("/products");
            statuses.Add(response.StatusCode);
            if (i == 0)
            {
                (await response.Content.ReadAsStringAsync()).Should().Be("products");
                response.Headers.Server.Should().BeEmpty();
                response.Headers.GetValues("Cache-Status").Single().Should().StartWith("EdgeKit; fwd=");
            }
            else if (i == 1)
            {
                response.Headers.GetValues("Cache-Status").Single().Should().StartWith("EdgeKit; hit");
            }
        }

        // Rate limit: three per ten minutes per client address, then 429.
        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        productCalls.Should().Be(1);
    }

    [Fact]
    public async Task Health_endpoints_say_live_and_whether_every_cluster_has_an_available_destination()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/", () => "ok"));
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "EdgeKit": {
                "Clusters": { "up": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "up": { "Match": { "Path": "/up" }, "Cluster": "up" } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);

        using var live = await gateway.Client.GetAsync("/healthz/live");
        live.StatusCode.Should().Be(HttpStatusCode.OK);
        (await live.Content.ReadAsStringAsync()).Should().Be("live\n");
        using var ready = await gateway.Client.GetAsync("/healthz/ready");
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ready.Content.ReadAsStringAsync()).Should().Be("ready\n");
    }

    [Fact]
    public async Task The_dashboard_and_status_API_sit_behind_the_policy_the_file_declares_and_CORS_policies_come_from_the_file()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/api", () => "api"));
        using var folder = new TempFolder();
        var opsKeyHash = Convert.ToHexStringLower(SHA256.HashData("ops-key"u8));
        var userKeyHash = Convert.ToHexStringLower(SHA256.HashData("user-key"u8));
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": {
                "Status": { "Policy": "ops" },
                "Dashboard": { "Policy": "ops", "Path": "/ops/dashboard" },
                "Cors": { "web": { "Origins": [ "https://app.example.com" ], "Methods": [ "GET" ] } }
              },
              "EdgeKit": {
                "Clusters": { "api": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "api": { "Match": { "Path": "/api" }, "Cluster": "api", "CorsPolicy": "web" } },
                "Authentication": { "ApiKeys": { "Keys": {
                  "ops": { "Hash": "{{opsKeyHash}}", "ClientId": "ops", "Roles": [ "ops" ] },
                  "user": { "Hash": "{{userKeyHash}}", "ClientId": "user" } } } },
                "Authorization": { "DefaultAuthenticationSchemes": [ "ApiKey" ], "Policies": { "ops": { "Roles": [ "ops" ] } } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);

        async Task<HttpStatusCode> Get(string path, string? apiKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (apiKey is not null)
            {
                request.Headers.Add("X-Api-Key", apiKey);
            }

            using var response = await gateway.Client.SendAsync(request);
            return response.StatusCode;
        }

        (await Get("/edgekit/status", null)).Should().Be(HttpStatusCode.Unauthorized);
        (await Get("/edgekit/status", "user-key")).Should().Be(HttpStatusCode.Forbidden);
        (await Get("/edgekit/status", "ops-key")).Should().Be(HttpStatusCode.OK);
        (await Get("/ops/dashboard/", null)).Should().Be(HttpStatusCode.Unauthorized);
        (await Get("/ops/dashboard/", "ops-key")).Should().Be(HttpStatusCode.OK);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api");
        preflight.Headers.Add("Origin", "https://app.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var allowed = await gateway.Client.SendAsync(preflight);
        allowed.StatusCode.Should().Be(HttpStatusCode.NoContent);
        allowed.Headers.GetValues("Access-Control-Allow-Origin").Single().Should().Be("https://app.example.com");
        allowed.Headers.GetValues("Access-Control-Allow-Methods").Single().Should().Be("GET");

        using var other = new HttpRequestMessage(HttpMethod.Get, "/api");
        other.Headers.Add("Origin", "https://evil.example.com");
        using var refused = await gateway.Client.SendAsync(other);
        refused.StatusCode.Should().Be(HttpStatusCode.OK);
        refused.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task A_change_to_the_file_is_applied_without_a_restart_and_an_invalid_change_is_refused_and_logged()
    {
        await using var backend = await Backend.StartAsync(app =>
        {
            app.MapGet("/one", () => "one");
            app.MapGet("/two", () => "two");
        });
        using var folder = new TempFolder();
        string Config(string routes) => $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "EdgeKit": {
                "Clusters": { "b": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": { {{routes}} }
              }
            }
            """;
        var file = folder.Write("gateway.json", Config("""
            "one": { "Match": { "Path": "/one" }, "Cluster": "b" }
            """));
        await using var gateway = await RunningGateway.StartAsync(file);
        (await gateway.Client.GetStringAsync("/one")).Should().Be("one");
        (await gateway.Client.GetAsync("/two")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        File.WriteAllText(file, Config("""
            "one": { "Match": { "Path": "/one" }, "Cluster": "b" },
            "two": { "Match": { "Path": "/two" }, "Cluster": "b" }
            """));
        (await EventuallyAsync(async () => (await gateway.Client.GetAsync("/two")).StatusCode == HttpStatusCode.OK)).Should().BeTrue();

        // An invalid change (a misspelt key) changes nothing: both routes stay, the problem is logged.
        File.WriteAllText(file, Config("""
            "one": { "Match": { "Path": "/one" }, "Cluster": "b" },
            "two": { "Match": { "Path": "/two" }, "Clustr": "b" }
            """));
        (await EventuallyAsync(() => Task.FromResult(gateway.Logs.Entries.Any(e => e.Message.Contains("`EdgeKit:Routes:two:Clustr` is not a setting; did you mean `Cluster`?", StringComparison.Ordinal)))))
            .Should().BeTrue();
        (await gateway.Client.GetStringAsync("/two")).Should().Be("two");
        (await gateway.Client.GetStringAsync("/one")).Should().Be("one");
    }

    [Fact]
    public async Task Stopping_drains_requests_in_flight()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await Backend.StartAsync(app => app.MapGet("/slow", async () =>
        {
            started.TrySetResult();
            await release.Task;
            return "done";
        }));
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": { "ShutdownTimeout": "00:00:30" },
              "EdgeKit": {
                "Clusters": { "b": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "slow": { "Match": { "Path": "/slow" }, "Cluster": "b" } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);
        var inFlight = gateway.Client.GetAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stopping = gateway.App.StopAsync();
        // Stopping waits for the request: new connections are refused meanwhile.
        stopping.IsCompleted.Should().BeFalse();
        release.SetResult();
        using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("done");
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Stopping_under_load_completes_every_request_in_flight_on_every_connection()
    {
        const int Requests = 64;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        await using var backend = await Backend.StartAsync(app => app.MapGet("/slow/{n:int}", async (int n) =>
        {
            if (Interlocked.Increment(ref started) == Requests)
            {
                allStarted.TrySetResult();
            }

            await release.Task;
            return $"done {n}";
        }));
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": { "ShutdownTimeout": "00:00:30" },
              "EdgeKit": {
                "Clusters": { "b": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "slow": { "Match": { "Path": "/slow/{n}" }, "Cluster": "b" } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);
        // One connection per request (the client's pool opens a new one while the others are busy).
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Requests }) { BaseAddress = gateway.Client.BaseAddress };
        var inFlight = Enumerable.Range(0, Requests).Select(n => client.GetAsync($"/slow/{n}")).ToArray();
        await allStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var stopping = gateway.App.StopAsync();
        stopping.IsCompleted.Should().BeFalse();
        release.SetResult();

        var responses = await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(20));
        responses.Select(r => (int)r.StatusCode).Should().AllBeEquivalentTo(200);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        bodies.Should().BeEquivalentTo(Enumerable.Range(0, Requests).Select(n => $"done {n}"));
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    /// <summary>Polls a condition that an external event (a file watcher) makes true, for at most ten seconds.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
