using System.Net;
using EdgeKit.Destinations;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Health;

/// <summary>Passive health against real backends: a backend answering 503s is ejected, readmitted, and ramped up.</summary>
public class OutlierDetectionTests(ITestOutputHelper output)
{
    private const string Cluster = "orders";

    [Fact]
    public async Task A_backend_returning_503s_is_ejected_readmitted_after_it_recovers_and_ramps_up_under_slow_start()
    {
        await using var backend = await TestBackend.StartAsync(3);
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c
            .AddInstances(backend)
            .UseWeightedRoundRobin()
            .WithOutlierDetection(o => o.SuccessRateEnabled = false)
            .WithSlowStart(TimeSpan.FromSeconds(30), minWeightPercent: 10)));
        services.AddHttpClient(Cluster, c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var client = provider.CreateClient(Cluster);
        var b0 = provider.GetDestination(Cluster, "b0");

        // b0 starts answering 503: each of its answers reaches the caller until it is ejected.
        backend[0].Behavior = BackendBehavior.Fail503;
        int sent = 0, failed = 0;
        while (!b0.IsEjected && sent < 100)
        {
            using var response = await client.GetAsync("/");
            sent++;
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                failed++;
            }
        }

        output.WriteLine($"ejected after {sent} requests, {failed} of them 503s from b0");
        b0.IsEjected.Should().BeTrue();
        failed.Should().Be(5, "the default is five consecutive 5xx");
        backend[0].Requests.Should().Be(5);

        // Ejected: nothing reaches b0, every request succeeds.
        for (int i = 0; i < 60; i++)
        {
            using var response = await client.GetAsync("/");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        backend[0].Requests.Should().Be(5);

        // b0 recovers; after its 30 s ejection it is readmitted at 10% of its weight and ramps up.
        backend[0].Behavior = BackendBehavior.Respond;
        time.Advance(TimeSpan.FromSeconds(30));
        b0.IsEjected.Should().BeFalse();

        async Task<int> ShareOfB0(int requests)
        {
            int before = backend[0].Requests;
            for (int i = 0; i < requests; i++)
            {
                using var response = await client.GetAsync("/");
                response.StatusCode.Should().Be(HttpStatusCode.OK);
            }

            return backend[0].Requests - before;
        }

        // Weights 10 : 100 : 100 → 10 of every 210.
        int justBack = await ShareOfB0(210);
        time.Advance(TimeSpan.FromSeconds(15));
        // Halfway through the window: max(10%, 15/30) = 50% → 50 : 100 : 100 → 51 of 255.
        int halfway = await ShareOfB0(255);
        time.Advance(TimeSpan.FromSeconds(15));
        int ramped = await ShareOfB0(300);

        output.WriteLine($"b0's share after readmission: {justBack}/210, then {halfway}/255, then {ramped}/300");
        justBack.Should().Be(10);
        halfway.Should().Be(51);
        ramped.Should().Be(100);
        provider.GetCluster(Cluster).GetStatus().Destinations.Single(d => d.Id == "b0").EjectionCount.Should().Be(1);
    }
}
