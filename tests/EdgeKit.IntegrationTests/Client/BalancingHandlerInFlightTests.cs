using System.Net;
using EdgeKit.Destinations;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Client;

/// <summary>Destinations' in-flight counts and totals, as real requests start and end in every way they can.</summary>
public class BalancingHandlerInFlightTests
{
    private const string Cluster = "orders";

    [Fact]
    public async Task In_flight_counts_follow_concurrent_requests_and_return_to_zero()
    {
        await using var backend = await TestBackend.StartAsync(3);
        await using var provider = CreateServices(backend);
        var client = provider.CreateClient("orders");
        foreach (var instance in backend.Instances)
        {
            instance.Behavior = BackendBehavior.Hold;
        }

        var calls = Enumerable.Range(0, 24).Select(_ => client.GetAsync("/")).ToArray();
        await backend.WaitForArrivalsAsync(24);
        var whileHeld = InFlight(provider);
        backend.ReleaseHeldRequests();
        var responses = await Task.WhenAll(calls);

        whileHeld.Should().BeEquivalentTo(new Dictionary<string, int> { ["b0"] = 8, ["b1"] = 8, ["b2"] = 8 });
        responses.Should().AllSatisfy(r => r.StatusCode.Should().Be(HttpStatusCode.OK));
        InFlight(provider).Values.Should().AllBeEquivalentTo(0);
        Destinations(provider).Should().AllSatisfy(d =>
        {
            d.TotalRequests.Should().Be(8);
            d.TotalFailures.Should().Be(0);
        });
        DisposeAll(responses);
    }

    [Fact]
    public async Task In_flight_counts_return_to_zero_after_500s_aborted_connections_and_refused_connections()
    {
        await using var backend = await TestBackend.StartAsync(3);
        await using var provider = CreateServices(backend);
        var client = provider.CreateClient("orders");
        backend[0].Behavior = BackendBehavior.Fail500;
        backend[1].Behavior = BackendBehavior.Abort;
        await backend[2].StopAsync();

        var outcomes = await Traffic.RunAsync(30, async _ =>
        {
            try
            {
                using var response = await client.GetAsync("/");
                return response.StatusCode.ToString();
            }
            catch (HttpRequestException ex)
            {
                return ex.GetType().Name;
            }
        });

        outcomes.Count(o => o == nameof(HttpStatusCode.InternalServerError)).Should().Be(10);
        outcomes.Count(o => o == nameof(HttpRequestException)).Should().Be(20);
        InFlight(provider).Values.Should().AllBeEquivalentTo(0);
        Destinations(provider).Should().AllSatisfy(d =>
        {
            d.TotalRequests.Should().Be(10);
            d.TotalFailures.Should().Be(10);
        });
        backend[0].Requests.Should().Be(10);
        backend[1].Requests.Should().Be(10);
    }

    [Fact]
    public async Task Requests_the_caller_cancels_leave_no_request_in_flight_and_count_as_no_failure()
    {
        await using var backend = await TestBackend.StartAsync(3);
        await using var provider = CreateServices(backend);
        var client = provider.CreateClient("orders");
        foreach (var instance in backend.Instances)
        {
            instance.Behavior = BackendBehavior.Hold;
        }

        using var cancellation = new CancellationTokenSource();
        var calls = Enumerable.Range(0, 6).Select(_ => client.GetAsync("/", cancellation.Token)).ToArray();
        await backend.WaitForArrivalsAsync(6);
        var whileHeld = InFlight(provider).Values.Sum();
        await cancellation.CancelAsync();

        foreach (var call in calls)
        {
            await call.Invoking(c => c).Should().ThrowAsync<TaskCanceledException>();
        }

        whileHeld.Should().Be(6);
        InFlight(provider).Values.Should().AllBeEquivalentTo(0);
        Destinations(provider).Should().AllSatisfy(d =>
        {
            d.TotalFailures.Should().Be(0);
            d.ConsecutiveFailures.Should().Be(0);
            d.TotalRequests.Should().Be(0, "a cancelled request says nothing about the destination");
        });
    }

    [Fact]
    public async Task Synchronous_sends_are_balanced_and_tracked_like_asynchronous_ones()
    {
        await using var backend = await TestBackend.StartAsync(3);
        backend[2].Behavior = BackendBehavior.Fail500;
        await using var provider = CreateServices(backend);
        var client = provider.CreateClient("orders");

        // HttpClient.Send blocks: run it off the test's thread, as a synchronous caller would.
        var statuses = await Task.Run(() => Enumerable.Range(0, 6).Select(_ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/sync?q=1");
            using var response = client.Send(request);
            return response.StatusCode;
        }).ToArray());

        statuses.Count(s => s == HttpStatusCode.OK).Should().Be(4);
        statuses.Count(s => s == HttpStatusCode.InternalServerError).Should().Be(2);
        backend.RequestCounts.Values.Should().AllBeEquivalentTo(2);
        InFlight(provider).Values.Should().AllBeEquivalentTo(0);
        provider.GetDestination(Cluster, "b2").TotalFailures.Should().Be(2);
    }

    private static ServiceProvider CreateServices(TestBackend backend)
    {
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).UseRoundRobin().WithoutOutlierDetection()));
        services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress).AddEdgeKitBalancing(Cluster);
        return services.BuildServiceProvider();
    }

    private static DestinationState[] Destinations(IServiceProvider provider) =>
        [.. provider.GetCluster(Cluster).Snapshot.AllDestinations];

    private static Dictionary<string, int> InFlight(IServiceProvider provider) =>
        Destinations(provider).ToDictionary(d => d.Id, d => d.InFlight);

    private static void DisposeAll(IEnumerable<IDisposable> disposables)
    {
        foreach (var disposable in disposables)
        {
            disposable.Dispose();
        }
    }
}
