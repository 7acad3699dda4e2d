using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Health;

/// <summary>
/// Issue 19's scenario A2 with real Kestrel backends on 127.0.0.1 and EdgeKit's default health settings: two of three
/// backends stop while GETs run through the gateway (which does not retry). Once the gateway has seen each dead backend
/// refuse its connections a few times it sends them nothing more, so after the first second no GET fails; and with all
/// three stopped the gateway answers 503 at once.
/// </summary>
public sealed class DeadBackendTests
{
    private const int Workers = 8;

    [Fact]
    public async Task After_two_of_three_backends_stop_no_get_fails_after_the_first_second_and_every_pick_goes_to_the_live_one()
    {
        var live = await EchoBackend.StartAsync("live");
        var dead1 = await EchoBackend.StartAsync("dead1");
        var dead2 = await EchoBackend.StartAsync("dead2");
        await using var _ = live;
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:svc:Destinations:dead1:Address"] = dead1.Address,
            ["Clusters:svc:Destinations:live:Address"] = live.Address,
            ["Clusters:svc:Destinations:dead2:Address"] = dead2.Address,
            ["Routes:svc:Match:Path"] = "/svc/{**rest}",
            ["Routes:svc:Cluster"] = "svc",
        });
        for (int i = 0; i < 30; i++)
        {
            (await gateway.Client.GetAsync($"/svc/warm/{i}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await dead1.DisposeAsync();
        await dead2.DisposeAsync();
        int liveBefore = live.Requests;

        // Bounded load: 8 workers for 3 s, each GET's outcome kept with the time it was sent.
        var clock = Stopwatch.StartNew();
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<(TimeSpan At, HttpStatusCode Status)>();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(async worker =>
        {
            for (int i = 0; clock.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                var at = clock.Elapsed;
                using var response = await gateway.Client.GetAsync($"/svc/{worker}/{i}");
                outcomes.Add((at, response.StatusCode));
            }
        }));

        var cluster = gateway.Services.GetRequiredService<ClusterRegistry>().GetCluster("svc");
        var failed = outcomes.Where(o => o.Status != HttpStatusCode.OK).ToList();
        failed.Should().OnlyContain(o => o.Status == HttpStatusCode.BadGateway);
        failed.Where(o => o.At >= TimeSpan.FromSeconds(1)).Should().BeEmpty("health knows both dead backends within the first second");
        outcomes.Count(o => o.At >= TimeSpan.FromSeconds(1)).Should().BeGreaterThan(100);
        (live.Requests - liveBefore).Should().Be(outcomes.Count - failed.Count, "every GET that did not fail went to the live backend");

        var status = cluster.GetStatus();
        status.Destinations.Select(d => (d.Id, d.IsEjected, d.EjectionReason)).Should().Equal(
            ("dead1", true, "connect-failure"), ("dead2", true, "connect-failure"), ("live", false, (string?)null));
        status.IsPanic.Should().BeTrue("one of three is healthy, below the 50% panic threshold");
        cluster.Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal(["live"], "panic never spreads over destinations whose connections are refused");

        // The last one stops too. Its pooled connections may fail first as resets (an outlier's failure, which the cap keeps
        // in rotation with two of three out); the refusals that follow make it dead too, within a few requests.
        await live.DisposeAsync();
        var lastStatuses = new List<HttpStatusCode>();
        for (int i = 0; i < 40 && lastStatuses.LastOrDefault() != HttpStatusCode.ServiceUnavailable; i++)
        {
            lastStatuses.Add((await gateway.Client.GetAsync($"/svc/last/{i}")).StatusCode);
        }

        lastStatuses.Should().EndWith(HttpStatusCode.ServiceUnavailable);
        lastStatuses.SkipLast(1).Should().OnlyContain(s => s == HttpStatusCode.BadGateway).And.HaveCountLessThanOrEqualTo(5 + Workers + 5);
        cluster.Snapshot.AvailableDestinations.Should().BeEmpty();
        using var none = await gateway.Client.GetAsync("/svc/none");
        none.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "with every destination dead the gateway answers at once, without trying any");
        none.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonNode.Parse(await none.Content.ReadAsStringAsync())!["status"]!.GetValue<int>().Should().Be(503);
    }
}
