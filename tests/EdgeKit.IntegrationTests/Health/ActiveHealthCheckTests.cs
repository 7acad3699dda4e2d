using EdgeKit.Destinations;
using EdgeKit.Health;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using EdgeKit.Configuration;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Health;

/// <summary>
/// Active health checks registered by <c>AddEdgeKit()</c>, probing real Kestrel instances through the real
/// <see cref="SocketsHttpHandler"/>. The clock is fake: each round is started by moving it and awaited through the
/// prober's round hook, so the tests wait for no timer. Outlier detection is off, so only probes decide health.
/// </summary>
public class ActiveHealthCheckTests
{
    private static readonly TimeSpan s_interval = ActiveHealthCheckOptions.DefaultInterval;

    [Fact]
    public async Task An_instance_whose_health_endpoint_fails_turns_unhealthy_gets_no_traffic_and_returns_when_it_recovers()
    {
        const string cluster = "probed-orders";
        await using var backend = await TestBackend.StartAsync(3);
        using var measurements = new BalancerMeasurements(cluster, "edgekit.health.probes");
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddEdgeKit(edge => edge.AddCluster(cluster, c => c
            .AddInstances(backend, pathPrefix: "base/")
            .UseRoundRobin()
            .WithoutOutlierDetection()
            .WithActiveHealthChecks("/healthz")));
        services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(cluster);
        await using var provider = services.BuildServiceProvider();
        var client = new EchoClient(provider.CreateClient("orders"));
        var b0 = provider.GetDestination(cluster, "b0");
        var rounds = new ProbeRounds(provider, time, cluster, s_interval);

        await rounds.StartAsync();
        await rounds.RunAsync();
        Health(provider, cluster).Should().Equal(DestinationHealth.Healthy, DestinationHealth.Healthy, DestinationHealth.Healthy);
        backend.Instances.Should().AllSatisfy(i => i.HealthCheckPaths.Should().Equal("/base/healthz", "/base/healthz"));

        backend[0].HealthStatus = 503;
        await rounds.RunAsync(2);
        b0.ActiveHealth.Should().Be(DestinationHealth.Healthy, "two failures are below the unhealthy threshold of 3");
        await rounds.RunAsync();
        b0.ActiveHealth.Should().Be(DestinationHealth.Unhealthy);

        (await Traffic.DistributionAsync(client, 30)).Should().BeEquivalentTo(new Dictionary<string, int> { ["b1"] = 15, ["b2"] = 15 });
        backend[0].Requests.Should().Be(0, "an unhealthy instance gets no traffic");

        backend[0].HealthStatus = 200;
        await rounds.RunAsync();
        b0.ActiveHealth.Should().Be(DestinationHealth.Unhealthy, "one pass is below the healthy threshold of 2");
        await rounds.RunAsync();
        b0.ActiveHealth.Should().Be(DestinationHealth.Healthy);

        (await Traffic.DistributionAsync(client, 30)).Should().BeEquivalentTo(new Dictionary<string, int> { ["b0"] = 10, ["b1"] = 10, ["b2"] = 10 });
        backend[0].Requests.Should().Be(10);

        var b0Probes = measurements.Of("edgekit.health.probes").Where(m => Equals(m.Tags["edgekit.destination"], "b0")).ToList();
        b0Probes.Select(m => m.Tags["edgekit.outcome"]).Should().Equal("passed", "passed", "failed", "failed", "failed", "passed", "passed");
        b0Probes.Should().AllSatisfy(m => (m.Value, m.Unit).Should().Be((1d, "{probe}")));
        measurements.Of("edgekit.health.probes").Should().HaveCount(21, "7 rounds of 3 instances");
    }

    [Fact]
    public async Task A_stopped_instance_refusing_connections_turns_unhealthy()
    {
        const string cluster = "probed-stopped";
        await using var backend = await TestBackend.StartAsync(2);
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddEdgeKit(edge => edge.AddCluster(cluster, c => c
            .AddInstances(backend)
            .UseRoundRobin()
            .WithoutOutlierDetection()
            .WithActiveHealthChecks()));
        services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(cluster);
        await using var provider = services.BuildServiceProvider();
        var b1 = provider.GetDestination(cluster, "b1");
        var rounds = new ProbeRounds(provider, time, cluster, s_interval);
        await rounds.StartAsync();
        await rounds.RunAsync();
        b1.ActiveHealth.Should().Be(DestinationHealth.Healthy);

        await backend[1].StopAsync();
        await rounds.RunAsync(3);

        (b1.ActiveHealth, b1.ConsecutiveProbeFailures).Should().Be((DestinationHealth.Unhealthy, 3));
        provider.GetCluster(cluster).Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("b0");
        (await Traffic.DistributionAsync(new EchoClient(provider.CreateClient("orders")), 10)).Should().BeEquivalentTo(new Dictionary<string, int> { ["b0"] = 10 });
    }

    [Fact]
    public async Task Configured_probes_go_to_the_health_address_with_the_configured_interval_and_statuses()
    {
        const string cluster = "probed-configured";
        await using var backend = await TestBackend.StartAsync(2);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"EdgeKit:Clusters:{cluster}:Destinations:b0:Address"] = backend[0].Address.ToString(),
            [$"EdgeKit:Clusters:{cluster}:Destinations:b0:HealthAddress"] = new Uri(backend[1].Address, "management/").ToString(),
            [$"EdgeKit:Clusters:{cluster}:Health:Active:Enabled"] = "true",
            [$"EdgeKit:Clusters:{cluster}:Health:Active:Path"] = "/healthz",
            [$"EdgeKit:Clusters:{cluster}:Health:Active:Interval"] = "00:00:05",
            [$"EdgeKit:Clusters:{cluster}:Health:Active:HealthyStatuses"] = "200-299",
            [$"EdgeKit:Clusters:{cluster}:Health:Active:UnhealthyThreshold"] = "1",
            [$"EdgeKit:Clusters:{cluster}:Health:OutlierDetection:Enabled"] = "false",
        }).Build();
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddEdgeKit().AddConfiguration(configuration.GetSection("EdgeKit"));
        await using var provider = services.BuildServiceProvider();
        var b0 = provider.GetDestination(cluster, "b0");
        var rounds = new ProbeRounds(provider, time, cluster, TimeSpan.FromSeconds(5));

        await rounds.StartAsync();
        b0.ConsecutiveProbeSuccesses.Should().Be(1);

        backend[1].HealthStatus = 302; // healthy by default (200-399), not with 200-299
        await rounds.RunAsync();

        b0.ActiveHealth.Should().Be(DestinationHealth.Unhealthy);
        backend[0].HealthChecks.Should().Be(0, "probes go to the health address only");
        backend[1].HealthCheckPaths.Should().Equal("/management/healthz", "/management/healthz");
    }

    [Fact]
    public async Task On_the_system_clock_rounds_follow_the_interval_by_themselves()
    {
        const string cluster = "probed-real-time";
        await using var backend = await TestBackend.StartAsync(2);
        backend[1].HealthStatus = 500;
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(cluster, c => c
            .AddInstances(backend)
            .WithoutOutlierDetection()
            .WithActiveHealthChecks("/healthz", o => (o.Interval, o.Timeout) = (TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)))));
        await using var provider = services.BuildServiceProvider();
        var b0 = provider.GetDestination(cluster, "b0");
        var b1 = provider.GetDestination(cluster, "b1");
        var prober = provider.GetRequiredService<ActiveHealthProber>();
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int rounds = 0;
        prober.RoundCompleted += (c, _) =>
        {
            if (c.Name == cluster)
            {
                Interlocked.Increment(ref rounds);
                if (b0.ActiveHealth == DestinationHealth.Healthy && b1.ActiveHealth == DestinationHealth.Unhealthy)
                {
                    settled.TrySetResult();
                }
            }
        };

        await prober.StartAsync(CancellationToken.None);
        await settled.Task.WaitAsync(TestBackend.WaitLimit);
        await prober.StopAsync(CancellationToken.None);

        Volatile.Read(ref rounds).Should().BeGreaterThanOrEqualTo(3, "b1 needs three failures in a row");
        backend[1].HealthChecks.Should().BeGreaterThanOrEqualTo(3);
    }

    private static DestinationHealth[] Health(IServiceProvider provider, string cluster) =>
        [.. provider.GetCluster(cluster).Snapshot.AllDestinations.Select(d => d.ActiveHealth)];
}
