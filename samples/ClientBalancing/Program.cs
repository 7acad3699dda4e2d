// EdgeKit client-side load balancing, end to end, in one process: four instances of a small service
// listen on 127.0.0.1, and an HttpClient spreads its requests over them with each strategy in turn.
using System.Diagnostics;
using EdgeKit.Balancing;
using Microsoft.Extensions.DependencyInjection;

const int RequestsPerStrategy = 200;
const int Concurrency = 8;
const int CallsShown = 8;

string[] strategies =
[
    LoadBalancingStrategyNames.RoundRobin,
    LoadBalancingStrategyNames.WeightedRoundRobin,
    LoadBalancingStrategyNames.Random,
    LoadBalancingStrategyNames.WeightedRandom,
    LoadBalancingStrategyNames.LeastRequests,
    LoadBalancingStrategyNames.PowerOfTwoChoices,
    LoadBalancingStrategyNames.PeakEwma,
    LoadBalancingStrategyNames.ConsistentHash,
    LoadBalancingStrategyNames.SessionAffinity,
];

// 1. The service: four instances. bravo takes twice the share of the others (for weighted strategies);
//    delta answers 20 ms late.
await using var alpha = await ServiceInstance.StartAsync("alpha");
await using var bravo = await ServiceInstance.StartAsync("bravo", weight: 2);
await using var charlie = await ServiceInstance.StartAsync("charlie");
await using var delta = await ServiceInstance.StartAsync("delta", delay: TimeSpan.FromMilliseconds(20));
ServiceInstance[] instances = [alpha, bravo, charlie, delta];

Console.WriteLine("Instances:");
foreach (var instance in instances)
{
    Console.WriteLine($"  {instance.Name,-8} {instance.Address}  weight {instance.Weight}{(instance.Delay > TimeSpan.Zero ? $", answers {instance.Delay.TotalMilliseconds} ms late" : "")}");
}

// 2. EdgeKit: one cluster per strategy, each over the four instances, and one HttpClient per cluster.
//    The client's base address is logical: each request goes to an instance the cluster picks.
var services = new ServiceCollection();
services.AddEdgeKit(edge =>
{
    foreach (var strategy in strategies)
    {
        edge.AddCluster(strategy, cluster =>
        {
            foreach (var instance in instances)
            {
                cluster.AddDestination(instance.Address, instance.Weight, id: instance.Name);
            }

            cluster.UseStrategy(strategy)
                   .WithRequestKeyFromHeader("X-User"); // what ConsistentHash and SessionAffinity route by; others ignore it
        });
    }
});
foreach (var strategy in strategies)
{
    services.AddHttpClient(strategy, client => client.BaseAddress = new Uri("http://catalog/"))
            .AddEdgeKitBalancing(strategy);
}

await using var provider = services.BuildServiceProvider();
var httpClients = provider.GetRequiredService<IHttpClientFactory>();

// 3. Per strategy: the first calls one at a time (to show the order), then the rest 8 at a time.
Console.WriteLine();
Console.WriteLine($"First {CallsShown} calls, one at a time:");
var table = new List<(string Strategy, string[] ServedBy, TimeSpan Elapsed)>();
foreach (var strategy in strategies)
{
    var client = httpClients.CreateClient(strategy);
    var servedBy = new string[RequestsPerStrategy];
    var watch = Stopwatch.StartNew();
    for (int call = 0; call < CallsShown; call++)
    {
        servedBy[call] = await CallAsync(client, call);
    }

    await Parallel.ForEachAsync(
        Enumerable.Range(CallsShown, RequestsPerStrategy - CallsShown),
        new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
        async (call, _) => servedBy[call] = await CallAsync(client, call));
    table.Add((strategy, servedBy, watch.Elapsed));
    Console.WriteLine($"  {strategy,-19} {string.Join(" ", servedBy[..CallsShown])}");
}

Console.WriteLine();
Console.WriteLine($"Requests served by each instance, of {RequestsPerStrategy} per strategy ({Concurrency} at a time after the first {CallsShown}):");
Console.WriteLine($"  {"",-19}{string.Concat(instances.Select(i => $"{Label(i),14}"))}{"time",10}");
foreach (var (strategy, servedBy, elapsed) in table)
{
    var counts = instances.Select(i => servedBy.Count(name => name == i.Name));
    Console.WriteLine($"  {strategy,-19}{string.Concat(counts.Select(c => $"{c,14}"))}{elapsed.TotalMilliseconds,7:F0} ms");
}

static async Task<string> CallAsync(HttpClient client, int call)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, "/hello");
    request.Headers.Add("X-User", $"user-{call % 20}");
    using var response = await client.SendAsync(request);
    return await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
}

static string Label(ServiceInstance instance) =>
    instance.Weight != 1 ? $"{instance.Name} (w{instance.Weight})"
    : instance.Delay > TimeSpan.Zero ? $"{instance.Name} (slow)"
    : instance.Name;
