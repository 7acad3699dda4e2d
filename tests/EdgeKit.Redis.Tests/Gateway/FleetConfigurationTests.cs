using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.ConfigurationStore;
using EdgeKit.Redis.Configuration;
using EdgeKit.Redis.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeKit.Redis.Tests.Gateway;

/// <summary>
/// Three gateway instances (real Kestrel on 127.0.0.1), each with its own Redis connection, sharing one configuration
/// document through one redis-server, changed through one instance's admin API.
/// </summary>
public sealed class FleetConfigurationTests : IAsyncLifetime
{
    private const string Admin = "/edgekit/admin/configuration";
    private readonly RedisServer _redis = RedisServer.Start();
    private readonly ITestOutputHelper _output;
    private readonly string _prefix = "fleet:" + Guid.NewGuid().ToString("N");
    private readonly string _cacheDirectory = Path.Combine(Path.GetTempPath(), "edgekit-fleet-" + Guid.NewGuid().ToString("N"));
    private readonly List<WebApplication> _gateways = [];
    private readonly List<HttpClient> _clients = [];
    private WebApplication _blue = null!;
    private WebApplication _green = null!;

    public FleetConfigurationTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_cacheDirectory);
        _blue = await StartBackendAsync("blue");
        _green = await StartBackendAsync("green");
        for (int i = 0; i < 3; i++)
        {
            await AddGatewayAsync(i);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        await _blue.DisposeAsync();
        await _green.DisposeAsync();
        _redis.Dispose();
        Directory.Delete(_cacheDirectory, recursive: true);
    }

    private string Document(string color, string path = "/api/{**rest}") => $$"""
        {
          "Clusters": { "app": { "Destinations": { "d1": { "Address": "{{Address(color == "blue" ? _blue : _green)}}" } } } },
          "Routes": {
            "app": { "Match": { "Path": "{{path}}" }, "Cluster": "app" },
            "stable": { "Match": { "Path": "/stable/{**rest}" }, "Cluster": "app" }
          }
        }
        """;

    [Fact]
    public async Task A_change_through_one_instances_admin_API_is_served_by_all_three_within_a_second_and_no_request_fails_meanwhile()
    {
        (await PutAsync(0, Document("blue"), "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/api/x", "blue");
        using var load = new CancellationTokenSource();
        var failures = new ConcurrentBag<string>();
        long served = 0;
        var workers = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            var client = _clients[worker % 3];
            while (!load.IsCancellationRequested)
            {
                using var response = await client.GetAsync("/stable/1", CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{(int)response.StatusCode} from instance {worker % 3}");
                }

                Interlocked.Increment(ref served);
            }
        })).ToArray();

        var delays = new List<double>();
        for (int change = 0; change < 10; change++)
        {
            string color = change % 2 == 0 ? "green" : "blue";
            long version = change + 1;
            var stopwatch = Stopwatch.StartNew();
            (await PutAsync(change % 3, Document(color), $"\"{version}\"")).StatusCode.Should().Be(HttpStatusCode.OK);
            var arrived = await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
            {
                while (await BackendOfAsync(i, "/api/x") != color)
                {
                    stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), $"instance {i} serves version {version + 1} within a second");
                }

                return stopwatch.Elapsed.TotalMilliseconds;
            }));
            delays.AddRange(arrived);
        }

        await load.CancelAsync();
        await Task.WhenAll(workers);
        delays.Sort();
        _output.WriteLine($"change served by all instances after (ms, {delays.Count} samples): min {delays[0]:F1}, median {delays[delays.Count / 2]:F1}, p90 {delays[(int)(delays.Count * 0.9)]:F1}, max {delays[^1]:F1}");
        _output.WriteLine($"requests during the changes: {Interlocked.Read(ref served)}, failed: {failures.Count}");
        failures.Should().BeEmpty();
        delays[^1].Should().BeLessThan(1000);
        foreach (var i in Enumerable.Range(0, 3))
        {
            (await StatusAsync(i))["appliedVersion"]!.GetValue<long>().Should().Be(11);
        }
    }

    [Fact]
    public async Task Concurrent_updates_from_two_clients_one_wins_the_other_gets_412_and_every_instance_serves_the_winner()
    {
        (await PutAsync(0, Document("blue"), "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);

        var responses = await Task.WhenAll(PutAsync(1, Document("green", "/green/{**rest}"), "\"1\""), PutAsync(2, Document("blue", "/blue/{**rest}"), "\"1\""));

        responses.Select(r => r.StatusCode).Should().BeEquivalentTo([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed]);
        var (path, color) = responses[0].StatusCode == HttpStatusCode.OK ? ("/green/1", "green") : ("/blue/1", "blue");
        await EveryInstanceServesAsync(path, color);
    }

    [Fact]
    public async Task An_invalid_document_is_refused_and_nothing_changes_anywhere()
    {
        (await PutAsync(0, Document("blue"), "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/api/x", "blue");

        using var refused = await PutAsync(1, Document("green").Replace("\"Cluster\": \"app\" },", "\"Cluster\": \"app\", \"Stratgy\": \"x\" },"), "\"1\"");

        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        problem["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).Should().Equal("EdgeKit:Routes:app:Stratgy");
        using var get = await SendAsync(2, HttpMethod.Get, Admin);
        get.Headers.ETag!.Tag.Should().Be("\"1\"");
        foreach (var i in Enumerable.Range(0, 3))
        {
            (await BackendOfAsync(i, "/api/x")).Should().Be("blue");
            (await StatusAsync(i))["appliedVersion"]!.GetValue<long>().Should().Be(1);
        }
    }

    [Fact]
    public async Task Rollback_restores_the_exact_previous_routing_on_every_instance()
    {
        (await PutAsync(0, Document("blue"), "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PutAsync(0, Document("green", "/v2/{**rest}"), "\"1\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/v2/x", "green");

        using var rollback = await SendAsync(1, HttpMethod.Post, Admin + "/rollback/1", ifMatch: "\"2\"");

        rollback.StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/api/x", "blue");
        foreach (var i in Enumerable.Range(0, 3))
        {
            (await _clients[i].GetAsync("/v2/x")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task With_Redis_stopped_instances_keep_serving_and_report_it_then_converge_once_it_is_back()
    {
        (await PutAsync(0, Document("blue"), "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/api/x", "blue");

        _redis.Stop();
        foreach (var i in Enumerable.Range(0, 3))
        {
            await Applier(i).CheckAsync(CancellationToken.None);
            var status = await StatusAsync(i);
            status["storeReachable"]!.GetValue<bool>().Should().BeFalse();
            status["storeError"]!.GetValue<string>().Should().StartWith("The Redis configuration store cannot be reached: ");
            status["appliedVersion"]!.GetValue<long>().Should().Be(1);
            for (int n = 0; n < 5; n++)
            {
                (await BackendOfAsync(i, "/api/x")).Should().Be("blue");
            }
        }

        using var unavailable = await PutAsync(0, Document("green"), "\"1\"");
        unavailable.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        JsonNode.Parse(await unavailable.Content.ReadAsStringAsync())!["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:configuration-store-unavailable");

        // Back, empty (no persistence): the operator writes the configuration again.
        _redis.Restart();
        HttpResponseMessage? put = null;
        for (var deadline = Stopwatch.StartNew(); put?.StatusCode != HttpStatusCode.OK && deadline.Elapsed < TimeSpan.FromSeconds(10);)
        {
            put = await PutAsync(0, Document("green"), "\"0\"");
        }

        put!.StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/api/x", "green", TimeSpan.FromSeconds(10));
        foreach (var i in Enumerable.Range(0, 3))
        {
            (await StatusAsync(i))["storeReachable"]!.GetValue<bool>().Should().BeTrue();
        }
    }

    [Fact]
    public async Task An_instance_restarted_while_Redis_is_down_starts_from_its_cached_document_or_from_its_file()
    {
        (await PutAsync(0, Document("green"), "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await EveryInstanceServesAsync("/api/x", "green");
        _redis.Stop();

        var cached = await AddGatewayAsync(0);
        var fromFile = await AddGatewayAsync(1, ConfigurationStoreFallback.FileConfiguration);

        (await BackendOfAsync(cached, "/api/x")).Should().Be("green");
        var status = await StatusAsync(cached);
        status["source"]!.GetValue<string>().Should().Be("cache");
        status["appliedVersion"]!.GetValue<long>().Should().Be(1);
        // The file routes /file to blue; the document is not there.
        (await BackendOfAsync(fromFile, "/file/x")).Should().Be("blue");
        (await _clients[fromFile].GetAsync("/api/x")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await StatusAsync(fromFile))["source"]!.GetValue<string>().Should().Be("file");
    }

    private SharedConfigurationApplier Applier(int instance) => _gateways[instance].Services.GetRequiredService<SharedConfigurationApplier>();

    private async Task EveryInstanceServesAsync(string path, string color, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var i in Enumerable.Range(0, 3))
        {
            while (await BackendOfAsync(i, path) != color)
            {
                deadline.Elapsed.Should().BeLessThan(within ?? TimeSpan.FromSeconds(5), $"instance {i} serves {path} from {color}");
            }
        }
    }

    private async Task<string?> BackendOfAsync(int instance, string path)
    {
        using var response = await _clients[instance].GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
    }

    private async Task<JsonNode> StatusAsync(int instance)
    {
        using var response = await _clients[instance].GetAsync("/edgekit/status");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["configuration"]!;
    }

    private Task<HttpResponseMessage> PutAsync(int instance, string document, string ifMatch) =>
        SendAsync(instance, HttpMethod.Put, Admin, document, ifMatch);

    private async Task<HttpResponseMessage> SendAsync(int instance, HttpMethod method, string path, string? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return await _clients[instance].SendAsync(request);
    }

    /// <summary>Starts instance n (its own Redis connection and cache file); returns its index.</summary>
    private async Task<int> AddGatewayAsync(int cacheOf, ConfigurationStoreFallback fallback = ConfigurationStoreFallback.CachedDocument)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:file:Destinations:d1:Address"] = Address(_blue),
            ["EdgeKit:Routes:file:Match:Path"] = "/file/{**rest}",
            ["EdgeKit:Routes:file:Cluster"] = "file",
        });
        var store = new RedisConfigurationStore(_redis.Configuration, new RedisConfigurationStoreOptions { KeyPrefix = _prefix });
        builder.Services.AddSingleton(store);
        builder.Services.AddEdgeKit()
            .AddGateway(builder.Configuration.GetSection("EdgeKit"))
            .AddConfigurationStore(builder.Configuration, store, o =>
            {
                o.CacheFile = Path.Combine(_cacheDirectory, $"gateway-{cacheOf}.json");
                o.StartWithoutStore = fallback;
                o.StartupTimeout = TimeSpan.FromSeconds(3);
            });
        var app = builder.Build();
        app.MapEdgeKitAdmin("anonymous");
        app.MapEdgeKitStatus("anonymous");
        app.MapEdgeKit();
        await app.StartAsync();
        _gateways.Add(app);
        _clients.Add(new HttpClient { BaseAddress = new Uri(Address(app)), Timeout = TimeSpan.FromSeconds(10) });
        return _gateways.Count - 1;
    }

    private static async Task<WebApplication> StartBackendAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(name));
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
}
