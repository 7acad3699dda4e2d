// Uses the EdgeKit core's main public surface so that a Native AOT publish analyses it and the native binary runs it:
// clusters and strategies, health state, the balancing handler over an in-memory handler, the token bucket limiter,
// and DI registration. Prints one line per check and exits non-zero when one fails.
using System.Net;
using System.Threading.RateLimiting;
using EdgeKit.AotSmoke;
using EdgeKit.Balancing;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

int failures = 0;
void Expect(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    failures += ok ? 0 : 1;
}

Destination[] destinations =
[
    new("a", new Uri("http://127.0.0.1:9001/")),
    new("b", new Uri("http://127.0.0.1:9002/"), weight: 2),
    new("c", new Uri("http://127.0.0.1:9003/")),
];

// 1. Every built-in strategy picks from the cluster.
foreach (string strategy in new[]
{
    LoadBalancingStrategyNames.RoundRobin, LoadBalancingStrategyNames.WeightedRoundRobin, LoadBalancingStrategyNames.Random,
    LoadBalancingStrategyNames.WeightedRandom, LoadBalancingStrategyNames.LeastRequests, LoadBalancingStrategyNames.PowerOfTwoChoices,
    LoadBalancingStrategyNames.PeakEwma, LoadBalancingStrategyNames.ConsistentHash, LoadBalancingStrategyNames.SessionAffinity,
})
{
    using var cluster = new Cluster(strategy, destinations, new LoadBalancingOptions { Strategy = strategy });
    var picked = new List<string>();
    for (int i = 0; i < 30; i++)
    {
        if (cluster.Pick(new PickContext(TimeProvider.System.GetTimestamp(), $"key-{i}")) is { } destination)
        {
            picked.Add(destination.Id);
        }
    }

    Expect(picked.Count == 30, $"{strategy}: 30 picks, {string.Join(",", picked.Distinct().Order())}");
}

// 2. Health: an unhealthy destination is not picked; the status reports it.
using (var cluster = new Cluster("health", destinations))
{
    cluster.SetHealth(cluster.Snapshot.AllDestinations.Single(d => d.Id == "b"), DestinationHealth.Unhealthy);
    var picked = Enumerable.Range(0, 20).Select(_ => cluster.Pick(new PickContext(TimeProvider.System.GetTimestamp()))?.Id).ToHashSet();
    var status = cluster.GetStatus();
    Expect(!picked.Contains("b") && status.Available == 2, $"health: b unhealthy, picked {string.Join(",", picked.Order())}, {status.Available} available");
}

// 3. The balancing handler over an in-memory handler: the logical host becomes a destination's address.
using (var cluster = new Cluster("orders", destinations, new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.RoundRobin }))
using (var client = new HttpClient(new BalancingHandler(cluster, new EchoHandler())) { BaseAddress = new Uri("http://orders/") })
{
    var ports = new List<string>();
    for (int i = 0; i < 3; i++)
    {
        using var response = await client.GetAsync("/items?x=1");
        ports.Add(await response.Content.ReadAsStringAsync());
    }

    Expect(ports.Order().SequenceEqual(["127.0.0.1:9001/items?x=1", "127.0.0.1:9002/items?x=1", "127.0.0.1:9003/items?x=1"]), $"handler: {string.Join(" ", ports)}");
}

// 4. The token bucket: 2 permits, then a rejection with an exact retry-after.
using (var limiter = new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions
{
    PolicyName = "smoke",
    Limits = [new TokenBucketLimit(2, TimeSpan.FromSeconds(10))],
}))
{
    using var first = limiter.AttemptAcquire();
    using var second = limiter.AttemptAcquire();
    using var third = limiter.AttemptAcquire();
    bool hasRetryAfter = third.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
    Expect(first.IsAcquired && second.IsAcquired && !third.IsAcquired && hasRetryAfter && retryAfter > TimeSpan.Zero,
        $"token bucket: acquired {first.IsAcquired}/{second.IsAcquired}/{third.IsAcquired}, retry after {retryAfter.TotalSeconds:F0} s");
}

// 5. DI: AddEdgeKit with a cluster from code, an HttpClient balanced over it.
var services = new ServiceCollection();
services.AddEdgeKit(edge => edge.AddCluster("catalog", c => c.AddDestination("http://127.0.0.1:9101/", id: "only")));
services.AddHttpClient("catalog", c => c.BaseAddress = new Uri("http://catalog/"))
        .AddEdgeKitBalancing("catalog")
        .ConfigurePrimaryHttpMessageHandler(() => new EchoHandler());
await using (var provider = services.BuildServiceProvider())
{
    using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog").GetAsync("/p");
    string body = await response.Content.ReadAsStringAsync();
    Expect(response.StatusCode == HttpStatusCode.OK && body == "127.0.0.1:9101/p", $"DI: {body}");
}

Console.WriteLine(failures == 0 ? "aot-smoke: all as expected" : $"aot-smoke: {failures} checks failed");
return failures == 0 ? 0 : 1;
