using System.Collections.Concurrent;
using System.Net;
using EdgeKit.Redis.RateLimiting;
using EdgeKit.Redis.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Redis.Tests.Gateway;

/// <summary>Three EdgeKit gateway instances, each with its own Redis connection, enforcing one quota through one redis-server.</summary>
public sealed class SharedGatewayLimitTests : IDisposable
{
    private const int Quota = 300;
    private readonly RedisServer _redis = RedisServer.Start();

    public void Dispose() => _redis.Dispose();

    [Fact]
    public async Task Three_gateway_instances_sharing_one_Redis_accept_within_one_percent_of_the_quota_together()
    {
        await using var backend = await StartAsync(app => app.Run(context => context.Response.WriteAsync("ok")));
        var gateways = new List<WebApplication>();
        for (int i = 0; i < 3; i++)
        {
            gateways.Add(await StartGatewayAsync(Address(backend)));
        }

        try
        {
            var clients = gateways.Select(g => new HttpClient { BaseAddress = new Uri(Address(g)) }).ToArray();
            var statuses = new ConcurrentBag<HttpStatusCode>();
            // 450 requests, spread evenly over the three instances, 8 at a time on each.
            await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(g => Enumerable.Range(0, 8).Select(async worker =>
            {
                for (int n = worker; n < 150; n += 8)
                {
                    using var response = await clients[g].GetAsync("/api/items");
                    statuses.Add(response.StatusCode);
                }
            })));

            int accepted = statuses.Count(s => s == HttpStatusCode.OK);
            int rejected = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
            statuses.Should().HaveCount(450);
            (accepted + rejected).Should().Be(450, "every request is either served or limited");
            // The bucket refills 300 per hour: under 1 permit during this test, so the quota is 300 (+1 at most).
            accepted.Should().BeGreaterThanOrEqualTo(Quota).And.BeLessThanOrEqualTo((int)(Quota * 1.01));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }
        }
    }

    private async Task<WebApplication> StartGatewayAsync(string backendAddress)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:api:Destinations:d1:Address"] = backendAddress,
            ["EdgeKit:Routes:api:Match:Path"] = "/api/{**rest}",
            ["EdgeKit:Routes:api:Cluster"] = "api",
            ["EdgeKit:Routes:api:RateLimiterPolicy"] = "shared",
            ["EdgeKit:RateLimiting:Policies:shared:Store"] = "redis",
            ["EdgeKit:RateLimiting:Policies:shared:Partition:Kind"] = "Global",
            ["EdgeKit:RateLimiting:Policies:shared:Limits:0:PermitLimit"] = Quota.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EdgeKit:RateLimiting:Policies:shared:Limits:0:Window"] = "01:00:00",
        };
        return await StartAsync(
            app =>
            {
                app.UseRateLimiter();
                app.MapEdgeKit();
            },
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                var section = builder.Configuration.GetSection("EdgeKit");
                builder.Services.AddEdgeKit()
                    .AddGateway(section)
                    // Each instance its own connection, as separate processes would have.
                    .AddRedisRateLimiting(_redis.Configuration);
                builder.Services.Configure<RedisRateLimiterOptions>(RedisRateLimiterOptions.StoreDefaultsName, o =>
                {
                    o.KeyPrefix = "gateway-test:";
                    o.Timeout = TimeSpan.FromSeconds(2);
                });
            });
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
}
