using System.Collections.Concurrent;
using System.Net;
using EdgeKit.Balancing;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Resilience;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.PublicApi.Tests.Resilience;

/// <summary>
/// A transport that is not EdgeKit's runs its attempts through EdgeKit's resilience pipeline, as a third party would:
/// through the public surface only (<see cref="EdgeKitResiliencePipeline"/>, <see cref="IAttemptSender"/>,
/// <see cref="AttemptLane"/>, <see cref="Cluster"/>, <see cref="RequestLease"/>), no internal member.
/// </summary>
public sealed class CustomTransportResilienceTests
{
    [Fact]
    public async Task A_POST_whose_first_destination_refuses_the_connection_is_retried_on_the_second_and_both_leases_feed_health()
    {
        using var cluster = CreateCluster(out _);
        using var metrics = new MeasurementRecorder(cluster.Name);
        var pipeline = new EdgeKitResiliencePipeline(cluster, new EdgeKitResilienceOptions { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero });
        var transport = new ThirdPartyTransport(cluster, (destination, _, _) => destination.Id == "d0"
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "refused")
            : Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent("from " + destination.Id) }));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://orders/items") { Content = new StringContent("{\"sku\":1}") };

        using var response = await pipeline.SendAsync(transport, request, CancellationToken.None);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.Content.ReadAsStringAsync()).Should().Be("from d1");
        transport.Attempts.Should().Equal(
            ["d0 http://10.0.0.1:8080/items", "d1 http://10.0.0.2:8080/items"],
            "nothing reached d0, so even a POST goes again, and the retry avoids the destination that failed");
        var d0 = Destination(cluster, "d0");
        var d1 = Destination(cluster, "d1");
        (d0.TotalRequests, d0.TotalFailures, d0.ConsecutiveGatewayFailures, d0.InFlight).Should().Be((1, 1, 1, 0));
        (d1.TotalRequests, d1.TotalFailures, d1.ConsecutiveFailures, d1.InFlight).Should().Be((1, 0, 0, 0));
        var requests = metrics.Of("edgekit.balancer.requests");
        requests.Should().HaveCount(2);
        requests[0].Tags.Should().Contain("edgekit.destination", "d0").And.Contain("edgekit.outcome", "failure").And.Contain("error.type", "connection_error");
        requests[1].Tags.Should().Contain("edgekit.destination", "d1").And.Contain("edgekit.outcome", "success").And.Contain("http.response.status_code", 201);
        metrics.Of("edgekit.resilience.attempts").Select(m => m.Value).Should().Equal(2);
        metrics.Of("edgekit.resilience.retries").Should().ContainSingle().Which.Tags.Should().Contain("edgekit.outcome", "success");
    }

    [Fact]
    public async Task A_retryable_status_completes_its_lease_while_a_response_passed_on_keeps_its_lease_open_until_the_transport_completes_it()
    {
        using var cluster = CreateCluster(out _);
        var pipeline = new EdgeKitResiliencePipeline(cluster, new EdgeKitResilienceOptions { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero });
        var transport = new ThirdPartyTransport(cluster, (destination, _, _) => Task.FromResult(
            new HttpResponseMessage(destination.Id == "d0" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK)))
        {
            DetachFinalResponsesOf = pipeline,
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/items");

        using var response = await pipeline.SendAsync(transport, request, CancellationToken.None);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        pipeline.IsRetryableStatus(503).Should().BeTrue();
        pipeline.IsRetryableStatus(200).Should().BeFalse();
        transport.Attempts.Should().Equal("d0 http://10.0.0.1:8080/items", "d1 http://10.0.0.2:8080/items");
        var d0 = Destination(cluster, "d0");
        var d1 = Destination(cluster, "d1");
        (d0.TotalRequests, d0.TotalFailures, d0.Consecutive5xx, d0.InFlight).Should().Be((1, 1, 1, 0));
        (d1.TotalRequests, d1.InFlight).Should().Be((0, 1), "the transport passes the body on before it completes the lease");

        transport.OpenLeases.Should().ContainSingle().Which.Destination.Should().BeSameAs(d1);
        transport.OpenLeases.Single().Complete(RequestOutcome.Success, 200);
        (d1.TotalRequests, d1.TotalFailures, d1.InFlight).Should().Be((1, 0, 0));
    }

    [Fact]
    public async Task An_attempt_cut_off_by_its_timeout_counts_against_its_destination_and_is_retried_elsewhere()
    {
        using var cluster = CreateCluster(out var time);
        using var metrics = new MeasurementRecorder(cluster.Name);
        var pipeline = new EdgeKitResiliencePipeline(cluster, new EdgeKitResilienceOptions
        {
            BaseDelay = TimeSpan.Zero,
            MaxDelay = TimeSpan.Zero,
            AttemptTimeout = TimeSpan.FromSeconds(1),
        });
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new ThirdPartyTransport(cluster, async (destination, _, token) =>
        {
            if (destination.Id == "d0")
            {
                hanging.SetResult();
                await Task.Delay(Timeout.Infinite, token);
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/items");

        var sending = pipeline.SendAsync(transport, request, CancellationToken.None);
        await hanging.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        transport.Attempts.Should().Equal("d0 http://10.0.0.1:8080/items", "d1 http://10.0.0.2:8080/items");
        var d0 = Destination(cluster, "d0");
        (d0.TotalFailures, d0.ConsecutiveGatewayFailures, d0.InFlight).Should().Be((1, 1, 0));
        metrics.Sum("edgekit.resilience.attempt_timeouts", "edgekit.destination", "d0").Should().Be(1);
        metrics.Of("edgekit.balancer.requests").Should().Contain(m =>
            Equals(m.Tags["edgekit.destination"], "d0") && Equals(m.Tags["edgekit.outcome"], "failure") && Equals(m.Tags["error.type"], "timeout"));
    }

    [Fact]
    public async Task Misuse_of_the_pipeline_and_the_lane_gets_clear_errors()
    {
        using var cluster = CreateCluster(out _);
        FluentActions.Invoking(() => new EdgeKitResiliencePipeline(null!, new EdgeKitResilienceOptions()))
            .Should().Throw<ArgumentNullException>().WithParameterName("cluster");
        FluentActions.Invoking(() => new EdgeKitResiliencePipeline(cluster, new EdgeKitResilienceOptions { MaxRetryAttempts = -1 }))
            .Should().Throw<ArgumentException>().WithParameterName("options").WithMessage("*MaxRetryAttempts*");
        var pipeline = new EdgeKitResiliencePipeline(cluster, new EdgeKitResilienceOptions());
        pipeline.Cluster.Should().BeSameAs(cluster);
        pipeline.Options.Should().NotBeSameAs(pipeline.Options, "the settings in force are handed out as copies");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/items");
        await FluentActions.Awaiting(() => pipeline.SendAsync(null!, request, CancellationToken.None))
            .Should().ThrowAsync<ArgumentNullException>().WithParameterName("sender");

        Exception? completeDefault = null, completeForeign = null, beginNull = null;
        using var other = CreateCluster(out _);
        var transport = new ThirdPartyTransport(cluster, (_, lane, _) =>
        {
            completeDefault = Catch(() => lane.Complete(default, 200, null, CancellationToken.None));
            var foreign = other.Begin(Destination(other, "d0"));
            completeForeign = Catch(() => lane.Detach(foreign));
            foreign.Complete(RequestOutcome.Cancelled);
            beginNull = Catch(() => lane.Begin(null!));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        });

        using var response = await pipeline.SendAsync(transport, request, CancellationToken.None);

        completeDefault.Should().BeOfType<ArgumentException>().Which.Message.Should().Be(
            $"The lease was not begun for this attempt: get it from AttemptLane.Begin (EdgeKit cluster '{cluster.Name}'). (Parameter 'lease')");
        completeForeign.Should().BeOfType<ArgumentException>().Which.ParamName.Should().Be("lease");
        beginNull.Should().BeOfType<ArgumentNullException>().Which.ParamName.Should().Be("destination");
        FluentActions.Invoking(() => RequestReplay.NothingSent(null!)).Should().Throw<ArgumentNullException>();
        RequestReplay.NothingSent(new HttpRequestException(HttpRequestError.NameResolutionError, "x")).Should().BeTrue();
        RequestReplay.NothingSent(new HttpRequestException(HttpRequestError.ResponseEnded, "x")).Should().BeFalse();

        static Exception? Catch(Action action)
        {
            try
            {
                action();
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    [Fact]
    public void A_transport_binding_the_settings_from_its_own_section_checks_them_naming_its_keys()
    {
        var errors = new List<string>();

        EdgeKitResilienceOptionsValidator.Validate(new EdgeKitResilienceOptions { MaxRetryAttempts = 11, RetryOn = "connect-failure,sometimes" }, "MyTransport:Retry", errors);

        errors.Should().Equal(
            "MyTransport:Retry: MaxRetryAttempts must be between 0 (no retries) and 10, was 11.",
            "MyTransport:Retry: RetryOn 'connect-failure,sometimes' names the unknown condition 'sometimes'; known: connect-failure, reset, timeout, retriable-status-codes, gateway-error, 5xx.");
        FluentActions.Invoking(() => EdgeKitResilienceOptionsValidator.Validate(null!, "x", errors)).Should().Throw<ArgumentNullException>().WithParameterName("options");
    }

    private static Cluster CreateCluster(out FakeTimeProvider time)
    {
        time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new Cluster(
            "custom-" + Guid.NewGuid().ToString("N")[..8],
            [new Destination("d0", new Uri("http://10.0.0.1:8080/")), new Destination("d1", new Uri("http://10.0.0.2:8080/"))],
            // Random with a source that always draws the first destination offered: the first attempt goes to d0.
            new LoadBalancingOptions { Strategy = LoadBalancingStrategyNames.Random },
            new ClusterEnvironment(time, new FirstChoiceRandom()),
            new HealthOptions { OutlierDetection = { Enabled = false } });
    }

    private static DestinationState Destination(Cluster cluster, string id) =>
        cluster.Snapshot.AllDestinations.Single(d => d.Id == id);

    /// <summary>
    /// A transport of a third party: it picks a destination avoiding those the lane excludes, begins the attempt on the
    /// lane, sends through its own network, and ends the attempt on the lane (or, like a proxy that streams the body on,
    /// detaches a final response's lease and completes it later).
    /// </summary>
    private sealed class ThirdPartyTransport(Cluster cluster, Func<DestinationState, AttemptLane, CancellationToken, Task<HttpResponseMessage>> network)
        : IAttemptSender
    {
        private readonly ConcurrentQueue<string> _attempts = new();

        /// <summary>When set, a response this pipeline does not retry is passed on with its lease still open (as a proxy streams a body).</summary>
        public EdgeKitResiliencePipeline? DetachFinalResponsesOf { get; init; }

        public ConcurrentQueue<RequestLease> OpenLeases { get; } = new();

        public IReadOnlyList<string> Attempts => [.. _attempts];

        public async Task<HttpResponseMessage> SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken)
        {
            var destination = cluster.Pick(new PickContext(cluster.Environment.TimeProvider.GetTimestamp(), null, lane.ExcludedDestinations))
                ?? throw new NoAvailableDestinationException(cluster.Name, cluster.Snapshot.AllDestinations.Length);
            var uri = destination.GetRequestUri(lane.Request.RequestUri!.AbsolutePath, null);
            _attempts.Enqueue($"{destination.Id} {uri}");
            var lease = lane.Begin(destination);
            HttpResponseMessage response;
            try
            {
                response = await network(destination, lane, cancellationToken);
            }
            catch (Exception ex)
            {
                lane.Complete(lease, 0, ex, cancellationToken);
                throw;
            }

            int status = (int)response.StatusCode;
            if (DetachFinalResponsesOf is { } pipeline && !pipeline.IsRetryableStatus(status))
            {
                lane.Detach(lease);
                OpenLeases.Enqueue(lease.HeadersReceived());
                return response;
            }

            lane.Complete(lease, status, null, cancellationToken);
            return response;
        }
    }
}
