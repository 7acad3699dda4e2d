using System.Collections.Concurrent;
using System.Net;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Gateway;

public sealed class GatewayReloadUnderLoadTests
{
    [Fact]
    public async Task No_request_fails_while_routes_and_destinations_change_under_load()
    {
        var backends = new List<EchoBackend>();
        for (int i = 0; i < 4; i++)
        {
            backends.Add(await EchoBackend.StartAsync("b" + i));
        }

        try
        {
            Dictionary<string, string?> Generation(int n)
            {
                // Each generation moves the route between two clusters, swaps which destinations each has, changes the
                // route's order and adds or drops a second route.
                var settings = new Dictionary<string, string?>
                {
                    ["Clusters:left:Destinations:" + $"d{n % 4}" + ":Address"] = backends[n % 4].Address,
                    ["Clusters:left:Destinations:" + $"d{(n + 1) % 4}" + ":Address"] = backends[(n + 1) % 4].Address,
                    ["Clusters:right:Destinations:" + $"d{(n + 2) % 4}" + ":Address"] = backends[(n + 2) % 4].Address,
                    ["Clusters:right:LoadBalancing:Strategy"] = n % 2 == 0 ? "RoundRobin" : "LeastRequests",
                    ["Routes:api:Match:Path"] = "/api/{**rest}",
                    ["Routes:api:Cluster"] = n % 2 == 0 ? "left" : "right",
                    ["Routes:api:Order"] = (n % 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                if (n % 2 == 1)
                {
                    settings["Routes:extra:Match:Path"] = "/extra";
                    settings["Routes:extra:Cluster"] = "left";
                }

                return settings;
            }

            await using var gateway = await GatewayHost.StartAsync(Generation(0));
            var failures = new ConcurrentQueue<string>();
            int completed = 0;
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 4).Select(async w =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await gateway.Client.GetAsync($"/api/w{w}");
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            failures.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        }
                    }
                    catch (HttpRequestException ex)
                    {
                        failures.Enqueue(ex.Message);
                    }

                    Interlocked.Increment(ref completed);
                }
            }).ToArray();

            for (int n = 1; n <= 20; n++)
            {
                int before = Volatile.Read(ref completed);
                gateway.Reload(Generation(n));
                // Let traffic run on each generation before the next change (bounded: the workers never stop on their own).
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
                while (Volatile.Read(ref completed) < before + 25 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(5);
                }
            }

            stop.Cancel();
            await Task.WhenAll(workers);

            failures.Should().BeEmpty();
            completed.Should().BeGreaterThan(500);
            gateway.Logs.Entries.Where(e => e.EventId is 1401 or 1007).Should().BeEmpty("every generation is valid");
            backends.Sum(b => b.Requests).Should().Be(completed);
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
