using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Telemetry;

/// <summary>The balancer's metrics for real requests, as a <see cref="System.Diagnostics.Metrics.MeterListener"/> sees them.</summary>
public class EdgeKitMetricsTests
{
    [Fact]
    public async Task Every_attempt_is_counted_and_timed_with_its_cluster_destination_status_and_outcome()
    {
        string cluster = UniqueClusterName();
        using var measurements = new BalancerMeasurements(cluster);
        await using var backend = await TestBackend.StartAsync(2);
        backend[1].Behavior = BackendBehavior.Fail500;
        await using var provider = CreateServices(backend, cluster);
        var client = provider.CreateClient("orders");

        for (int i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
        }

        var requests = measurements.Requests;
        requests.Should().HaveCount(4).And.AllSatisfy(m =>
        {
            m.Value.Should().Be(1);
            m.Unit.Should().Be("{request}");
        });
        requests.Select(m => m.Tags).Should().BeEquivalentTo(new[]
        {
            SuccessTags(cluster, "b0"), SuccessTags(cluster, "b0"),
            FailureTags(cluster, "b1", 500, "500"), FailureTags(cluster, "b1", 500, "500"),
        });

        var durations = measurements.Durations;
        durations.Should().HaveCount(4).And.AllSatisfy(m =>
        {
            m.Unit.Should().Be("s");
            m.Value.Should().BeInRange(double.Epsilon, 30);
        });
        durations.Select(m => m.Tags).Should().BeEquivalentTo(requests.Select(m => m.Tags));
    }

    [Fact]
    public async Task A_refused_connection_is_a_failure_without_a_status_code_whose_error_type_is_connection_error()
    {
        string cluster = UniqueClusterName();
        using var measurements = new BalancerMeasurements(cluster);
        await using var backend = await TestBackend.StartAsync(1);
        await backend[0].StopAsync();
        await using var provider = CreateServices(backend, cluster);

        await provider.CreateClient("orders").Invoking(c => c.GetAsync("/")).Should().ThrowAsync<HttpRequestException>();

        var expected = new Dictionary<string, object?>
        {
            ["edgekit.cluster"] = cluster,
            ["edgekit.destination"] = "b0",
            ["edgekit.outcome"] = "failure",
            ["error.type"] = "connection_error",
        };
        measurements.Requests.Should().ContainSingle().Which.Tags.Should().BeEquivalentTo(expected);
        measurements.Durations.Should().ContainSingle().Which.Tags.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task A_request_the_caller_cancels_is_recorded_as_cancelled_without_a_status_code()
    {
        string cluster = UniqueClusterName();
        using var measurements = new BalancerMeasurements(cluster);
        await using var backend = await TestBackend.StartAsync(1);
        backend[0].Behavior = BackendBehavior.Hold;
        await using var provider = CreateServices(backend, cluster);

        using var cancellation = new CancellationTokenSource();
        var call = provider.CreateClient("orders").GetAsync("/", cancellation.Token);
        await backend.WaitForArrivalsAsync(1);
        await cancellation.CancelAsync();
        await call.Invoking(c => c).Should().ThrowAsync<TaskCanceledException>();

        var expected = new Dictionary<string, object?>
        {
            ["edgekit.cluster"] = cluster,
            ["edgekit.destination"] = "b0",
            ["edgekit.outcome"] = "cancelled",
        };
        measurements.Requests.Should().ContainSingle().Which.Tags.Should().BeEquivalentTo(expected);
        measurements.Durations.Should().ContainSingle().Which.Tags.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task The_active_requests_count_does_not_drift_when_a_listener_starts_while_requests_are_in_flight()
    {
        string cluster = UniqueClusterName();
        await using var backend = await TestBackend.StartAsync(1);
        backend[0].Behavior = BackendBehavior.Hold;
        await using var provider = CreateServices(backend, cluster);
        var client = provider.CreateClient("orders");

        var before = client.GetAsync("/");
        await backend.WaitForArrivalsAsync(1);
        // Started while one request is in flight, as when dotnet-counters attaches to a running process.
        // No other test listens to this instrument.
        using var measurements = new BalancerMeasurements(cluster, BalancerMeasurements.ActiveRequestsInstrument);
        var after = client.GetAsync("/");
        await backend.WaitForArrivalsAsync(1);
        var whileHeld = measurements.Of(BalancerMeasurements.ActiveRequestsInstrument).Sum(m => m.Value);
        backend.ReleaseHeldRequests();
        (await before).Dispose();
        (await after).Dispose();

        whileHeld.Should().Be(1, "the listener saw only the request that started after it");
        measurements.Of(BalancerMeasurements.ActiveRequestsInstrument).Sum(m => m.Value).Should().Be(0);
    }

    /// <summary>Every test reports to the same static meter: a name of its own keeps its measurements apart.</summary>
    private static string UniqueClusterName() => $"telemetry-{Guid.NewGuid():N}";

    private static ServiceProvider CreateServices(TestBackend backend, string cluster)
    {
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(cluster, c => c.AddInstances(backend).UseRoundRobin()));
        services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(cluster);
        return services.BuildServiceProvider();
    }

    private static Dictionary<string, object?> SuccessTags(string cluster, string destination) => new()
    {
        ["edgekit.cluster"] = cluster,
        ["edgekit.destination"] = destination,
        ["http.response.status_code"] = 200,
        ["edgekit.outcome"] = "success",
    };

    private static Dictionary<string, object?> FailureTags(string cluster, string destination, int status, string errorType) => new()
    {
        ["edgekit.cluster"] = cluster,
        ["edgekit.destination"] = destination,
        ["http.response.status_code"] = status,
        ["edgekit.outcome"] = "failure",
        ["error.type"] = errorType,
    };
}
