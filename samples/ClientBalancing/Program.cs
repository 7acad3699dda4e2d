// EdgeKit client-side load balancing, end to end, in one process: four instances of a small service
// listen on 127.0.0.1, and an HttpClient spreads its requests over them with each strategy in turn. Then a fifth,
// faulty instance joins: retries take its failures elsewhere and outlier detection ejects it.
// `--smoke` sends fewer requests, checks what it printed (distribution, the faulty instance skipped, retries) and exits
// non-zero if anything was not as expected.
using System.Diagnostics;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Samples.ClientBalancing;
using Microsoft.Extensions.DependencyInjection;

bool smoke = args.Contains("--smoke");
int requestsPerStrategy = smoke ? 40 : 200;   // a multiple of 4 and of 5: round robin and weighted round robin split it exactly
const int Concurrency = 8;
const int CallsShown = 8;
const int ResilientRequests = 50;
const int EjectAfter = 3;

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
await using var echo = await ServiceInstance.StartAsync("echo", faulty: true);   // answers 503 to everything

Console.WriteLine("Instances:");
foreach (var instance in instances)
{
    Console.WriteLine($"  {instance.Name,-8} {instance.Address}  weight {instance.Weight}{(instance.Delay > TimeSpan.Zero ? $", answers {instance.Delay.TotalMilliseconds} ms late" : "")}");
}

Console.WriteLine($"  {echo.Name,-8} {echo.Address}  faulty: answers 503 (used in part 4 only)");

// 2. EdgeKit: one cluster per strategy, each over the four instances, and one HttpClient per cluster.
//    The client's base address is logical: each request goes to an instance the cluster picks.
var services = new ServiceCollection();
services.AddEdgeKit(edge =>
{
    // 4. (below) Health and retries: the same four instances plus a faulty one, ejected after 3 consecutive 5xx.
    edge.AddCluster("resilient", cluster =>
    {
        foreach (var instance in (ServiceInstance[])[.. instances, echo])
        {
            cluster.AddDestination(instance.Address, id: instance.Name);
        }

        cluster.UseRoundRobin()
               .WithOutlierDetection(o => { o.Consecutive5xx = EjectAfter; o.BaseEjectionTime = TimeSpan.FromMinutes(1); });
    });
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

// Retries pick another instance; a 503 is retried (EdgeKitResilienceOptions.RetryableStatuses: 408, 429, 502-504).
services.AddHttpClient("resilient", client => client.BaseAddress = new Uri("http://catalog/"))
        .AddEdgeKitBalancing("resilient")
        .AddEdgeKitResilience();

await using var provider = services.BuildServiceProvider();
var httpClients = provider.GetRequiredService<IHttpClientFactory>();

// 3. Per strategy: the first calls one at a time (to show the order), then the rest 8 at a time.
Console.WriteLine();
Console.WriteLine($"First {CallsShown} calls, one at a time:");
var table = new List<(string Strategy, string[] ServedBy, TimeSpan Elapsed)>();
foreach (var strategy in strategies)
{
    var client = httpClients.CreateClient(strategy);
    var servedBy = new string[requestsPerStrategy];
    var watch = Stopwatch.StartNew();
    for (int call = 0; call < CallsShown; call++)
    {
        servedBy[call] = await CallAsync(client, call);
    }

    await Parallel.ForEachAsync(
        Enumerable.Range(CallsShown, requestsPerStrategy - CallsShown),
        new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
        async (call, _) => servedBy[call] = await CallAsync(client, call));
    table.Add((strategy, servedBy, watch.Elapsed));
    Console.WriteLine($"  {strategy,-19} {string.Join(" ", servedBy[..CallsShown])}");
}

Console.WriteLine();
Console.WriteLine($"Requests served by each instance, of {requestsPerStrategy} per strategy ({Concurrency} at a time after the first {CallsShown}):");
Console.WriteLine($"  {"",-19}{string.Concat(instances.Select(i => $"{Label(i),14}"))}{"time",10}");
foreach (var (strategy, servedBy, elapsed) in table)
{
    var counts = instances.Select(i => servedBy.Count(name => name == i.Name));
    Console.WriteLine($"  {strategy,-19}{string.Concat(counts.Select(c => $"{c,14}"))}{elapsed.TotalMilliseconds,7:F0} ms");
}

// 4. Health and retries: one call at a time through the resilient client. Every call must succeed: when the faulty
//    instance answers 503 the call is retried on the next one; after 3 consecutive 503s it is ejected and skipped.
Console.WriteLine();
Console.WriteLine($"Health and retries: {ResilientRequests} calls, round robin over the four instances and {echo.Name} (faulty), with retries:");
var resilientClient = httpClients.CreateClient("resilient");
var resilientServedBy = new string[ResilientRequests];
for (int call = 0; call < ResilientRequests; call++)
{
    resilientServedBy[call] = await CallAsync(resilientClient, call);
}

var resilientStatus = provider.GetRequiredService<ClusterRegistry>().GetCluster("resilient").GetStatus();
foreach (var destination in resilientStatus.Destinations)
{
    string received = destination.Id == echo.Name ? $", received {echo.Requests}" : "";
    Console.WriteLine($"  {destination.Id,-8} served {resilientServedBy.Count(name => name == destination.Id),3}{received}, health {destination.Health}{(destination.IsEjected ? ", ejected" : "")}");
}

int retries = echo.Requests;   // every request the faulty instance received failed and was answered by another instance
Console.WriteLine($"  {ResilientRequests} of {ResilientRequests} calls succeeded; {retries} retried after a 503 from {echo.Name}");

if (smoke)
{
    return Smoke.Check(
        [.. table.Select(row => (row.Strategy, instances.Select(i => row.ServedBy.Count(name => name == i.Name)).ToArray()))],
        [.. instances.Select(i => i.Weight)],
        resilientServedBy,
        resilientStatus.Destinations.Single(d => d.Id == echo.Name),
        echo.Requests,
        EjectAfter);
}

return 0;

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
