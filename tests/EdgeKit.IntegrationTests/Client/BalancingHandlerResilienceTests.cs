using System.Globalization;
using System.Net;
using EdgeKit.Destinations;
using EdgeKit.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using static EdgeKit.IntegrationTests.Infrastructure.ServiceProviderEdgeKitExtensions;

namespace EdgeKit.IntegrationTests.Client;

/// <summary>
/// The balancing handler composed with Microsoft.Extensions.Http.Resilience. The resilience handler is
/// added first so the balancing handler sits inside it: each retry picks a destination again and
/// avoids the one that just failed.
/// </summary>
public class BalancingHandlerResilienceTests
{
    private const string Cluster = "orders";

    [Theory]
    [InlineData(InstanceFailure.Returns500)]
    [InlineData(InstanceFailure.AbortsConnection)]
    [InlineData(InstanceFailure.RefusesConnection)]
    public async Task A_retry_goes_to_another_destination_even_when_the_strategy_keeps_choosing_the_failed_one(InstanceFailure failure)
    {
        await using var backend = await TestBackend.StartAsync(3);
        await backend[0].FailAsync(failure);
        var services = new ServiceCollection();
        // Random choices that always fall on the first destination, b0: without the handler's memory of
        // the failed attempt, every retry would go to b0 again.
        services.AddSingleton(new ClusterEnvironment(random: new FirstChoiceRandom()));
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection().UseRandom()));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        client.AddResilienceHandler("retry", pipeline => pipeline.AddRetry(ImmediateRetries(2)));
        client.AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        var served = await SendSequentiallyAsync(provider.CreateClient("orders"), 20);

        served.Should().AllBe("b1", "the retry avoids b0, and b1 is the next available destination");
        provider.GetDestination(Cluster, "b0").TotalFailures.Should().Be(20, "each request failed on b0 exactly once");
        backend[1].Requests.Should().Be(20);
        backend[2].Requests.Should().Be(0);
        if (failure != InstanceFailure.RefusesConnection)
        {
            backend[0].RequestIds.Should().HaveCount(20).And.OnlyHaveUniqueItems();
        }
    }

    [Theory]
    [InlineData(InstanceFailure.Returns500)]
    [InlineData(InstanceFailure.AbortsConnection)]
    [InlineData(InstanceFailure.RefusesConnection)]
    public async Task With_the_standard_resilience_handler_every_request_succeeds_and_fails_at_most_once_on_the_failing_destination(InstanceFailure failure)
    {
        await using var backend = await TestBackend.StartAsync(3);
        await backend[0].FailAsync(failure);
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection().UseRoundRobin()));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        client.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        client.AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        // 30 requests make at most 60 attempts, below the standard circuit breaker's minimum throughput
        // of 100 (see the last test for what happens past it).
        var served = await SendSequentiallyAsync(provider.CreateClient("orders"), 30);

        served.Should().OnlyContain(instance => instance == "b1" || instance == "b2");
        var failures = provider.GetDestination(Cluster, "b0").TotalFailures;
        // Round robin continues b0 (fails), b1 (its retry), b2, b0, b1, b2...: wherever it starts, every
        // other request meets b0 first, 14 or 15 of 30, and its retry goes to b1.
        failures.Should().BeInRange(14, 15);
        (backend[1].Requests + backend[2].Requests).Should().Be(30);
        backend[1].RequestIds.Concat(backend[2].RequestIds).Should().OnlyHaveUniqueItems();
        if (failure != InstanceFailure.RefusesConnection)
        {
            backend[0].Requests.Should().Be((int)failures);
            backend[0].RequestIds.Should().OnlyHaveUniqueItems();
        }
    }

    [Fact]
    public async Task A_retry_after_an_attempt_timeout_goes_to_another_destination()
    {
        var backend = await TestBackend.StartAsync(3);
        ServiceProvider? provider = null;
        try
        {
            backend[0].Behavior = BackendBehavior.Hold; // never answers in time
            var time = new FakeTimeProvider();
            var services = new ServiceCollection();
            services.AddSingleton(new ClusterEnvironment(random: new FirstChoiceRandom()));
            services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection().UseRandom()));
            var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
            client.AddResilienceHandler("retry", pipeline =>
            {
                pipeline.TimeProvider = time;
                pipeline.AddRetry(ImmediateRetries(2)).AddTimeout(TimeSpan.FromSeconds(1));
            });
            client.AddEdgeKitBalancing(Cluster);
            provider = services.BuildServiceProvider();

            var call = provider.CreateClient("orders").GetAsync("/");
            await backend.WaitForArrivalsAsync(1);
            time.Advance(TimeSpan.FromSeconds(1)); // the attempt times out: the balancer sees its token cancelled
            await backend.WaitForArrivalsAsync(1);
            var counts = backend.RequestCounts;
            backend.ReleaseHeldRequests();
            using var response = await call.WaitAsync(TestBackend.WaitLimit);

            counts["b0"].Should().Be(1, "the retry avoids the destination whose attempt timed out");
            counts["b1"].Should().Be(1);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            provider.GetDestination(Cluster, "b0").InFlight.Should().Be(0);
            provider.GetDestination(Cluster, "b0").TotalFailures.Should().Be(0, "the handler cannot tell a timeout from the caller's cancellation");
        }
        finally
        {
            // Servers first: whatever attempt is still pending then ends, so disposing the pipeline
            // (which waits for pending executions, on its fake clock) cannot hang.
            await backend.DisposeAsync();
            if (provider is not null)
            {
                await provider.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_cancelled_request_is_not_retried_and_counts_as_no_failure()
    {
        await using var backend = await TestBackend.StartAsync(3);
        foreach (var instance in backend.Instances)
        {
            instance.Behavior = BackendBehavior.Hold;
        }

        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection()));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        client.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        client.AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var http = provider.CreateClient("orders");

        using var cancellation = new CancellationTokenSource();
        var calls = Enumerable.Range(0, 3).Select(_ => http.GetAsync("/", cancellation.Token)).ToArray();
        await backend.WaitForArrivalsAsync(3);
        await cancellation.CancelAsync();
        foreach (var call in calls)
        {
            await call.Invoking(c => c).Should().ThrowAsync<OperationCanceledException>();
        }

        backend.TotalRequests.Should().Be(3);
        provider.GetCluster(Cluster).Snapshot.AllDestinations.Should().AllSatisfy(d =>
        {
            d.TotalFailures.Should().Be(0);
            d.InFlight.Should().Be(0);
        });
    }

    [Fact]
    public async Task With_the_order_reversed_every_retry_goes_to_the_destination_picked_first()
    {
        await using var backend = await TestBackend.StartAsync(3);
        backend[0].Behavior = BackendBehavior.Fail500;
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection().UseRoundRobin()));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        // Wrong order: the balancing handler is outside the retries, so it picks once per request and
        // the retries resend the already rewritten request to the same destination.
        client.AddEdgeKitBalancing(Cluster);
        client.AddResilienceHandler("retry", pipeline => pipeline.AddRetry(ImmediateRetries(2)));
        await using var provider = services.BuildServiceProvider();
        var http = provider.CreateClient("orders");

        var statuses = await Traffic.RunAsync(30, i => SendAsync(http, i), concurrency: 1);

        statuses.Count(s => s.Status == HttpStatusCode.InternalServerError).Should().Be(10, "round robin sent 10 of 30 requests to b0");
        statuses.Where(s => s.Status == HttpStatusCode.InternalServerError).Should().OnlyContain(s => s.Instance == "b0");
        backend[0].Requests.Should().Be(30, "each of those 10 requests was tried 3 times on b0");
        backend[0].RequestIds.GroupBy(id => id).Should().AllSatisfy(g => g.Should().HaveCount(3));
        backend[1].Requests.Should().Be(10);
        backend[2].Requests.Should().Be(10);
        provider.GetDestination(Cluster, "b0").TotalFailures.Should().Be(10, "the balancer sees one attempt per request");
    }

    [Fact]
    public async Task Hedged_attempts_pick_again_but_being_copies_of_the_request_they_do_not_avoid_a_failed_destination()
    {
        await using var backend = await TestBackend.StartAsync(3);
        backend[0].Behavior = BackendBehavior.Fail500;
        var services = new ServiceCollection();
        services.AddSingleton(new ClusterEnvironment(random: new FirstChoiceRandom()));
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection().UseRandom()));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        client.AddStandardHedgingHandler();
        client.AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();

        using var response = await provider.CreateClient("orders").GetAsync("/");

        // The hedging handler sends a fresh copy of the request for each attempt, so the balancer has no
        // memory of the copy that failed; with choices that always fall on b0, every attempt goes there.
        // (Retries resend the same request and do avoid it: see the tests above.)
        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        backend[0].Requests.Should().BeGreaterThan(1);
        backend[1].Requests.Should().Be(0);
    }

    [Fact]
    public async Task The_standard_circuit_breaker_is_shared_by_every_destination_of_the_client()
    {
        await using var backend = await TestBackend.StartAsync(3);
        backend[0].Behavior = BackendBehavior.Fail500;
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster(Cluster, c => c.AddInstances(backend).WithoutOutlierDetection().UseRoundRobin()));
        var client = services.AddHttpClient("orders", c => c.BaseAddress = LogicalAddress);
        client.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        client.AddEdgeKitBalancing(Cluster);
        await using var provider = services.BuildServiceProvider();
        var http = provider.CreateClient("orders");

        // The breaker sits inside the retries, outside the balancer: it counts every attempt to every
        // destination together. With one destination of three failing, a quarter of the attempts fail
        // (above its 10% ratio), so once it has seen 100 attempts it opens for all destinations, although
        // every request so far succeeded on a retry.
        int succeeded = 0;
        var act = async () =>
        {
            for (; succeeded < 200; succeeded++)
            {
                using var response = await http.GetAsync("/");
                response.EnsureSuccessStatusCode();
            }
        };

        await act.Should().ThrowAsync<BrokenCircuitException>();
        succeeded.Should().BeInRange(50, 100);
    }

    private static HttpRetryStrategyOptions ImmediateRetries(int count) => new()
    {
        MaxRetryAttempts = count,
        Delay = TimeSpan.Zero,
        BackoffType = DelayBackoffType.Constant,
        UseJitter = false,
    };

    /// <summary>Sends <paramref name="count"/> requests one after the other; returns the instance that answered each.</summary>
    private static async Task<string[]> SendSequentiallyAsync(HttpClient client, int count)
    {
        var results = await Traffic.RunAsync(count, i => SendAsync(client, i), concurrency: 1);
        results.Should().AllSatisfy(r => r.Status.Should().Be(HttpStatusCode.OK));
        return [.. results.Select(r => r.Instance)];
    }

    private static async Task<(HttpStatusCode Status, string Instance)> SendAsync(HttpClient client, int id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add(BackendInstance.RequestIdHeader, id.ToString(CultureInfo.InvariantCulture));
        using var response = await client.SendAsync(request);
        var echo = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<BackendEcho>(response.Content);
        return (response.StatusCode, echo!.Instance);
    }
}
