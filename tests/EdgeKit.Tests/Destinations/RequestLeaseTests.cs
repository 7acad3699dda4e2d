using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Tests.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Destinations;

/// <summary>The public request lifecycle: <see cref="Cluster.Begin"/> … <see cref="RequestLease.Complete"/>.</summary>
[Collection(AllocationCollection.Name)]
public sealed class RequestLeaseTests
{
    [Fact]
    public void The_duration_ends_at_the_response_headers_and_complete_reports_in_flight_latency_outcome_and_metrics()
    {
        var time = new FakeTimeProvider();
        string name = $"lease-{Guid.NewGuid():N}";
        using var cluster = new Cluster(name, [new Destination("d0", new Uri("http://10.0.0.1"))], environment: new ClusterEnvironment(time));
        using var measurements = new Measurements(name);
        var destination = cluster.Snapshot.AllDestinations[0];

        var lease = cluster.Begin(destination);
        destination.InFlight.Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(2));
        lease = lease.HeadersReceived();
        time.Advance(TimeSpan.FromSeconds(10));
        lease.HeadersReceived().HeadersTimestamp.Should().Be(lease.HeadersTimestamp, "the first time the headers arrived is kept");
        lease.Complete(RequestOutcome.Success, 200);

        destination.InFlight.Should().Be(0);
        destination.TotalRequests.Should().Be(1);
        destination.GetLatencyEstimate(lease.HeadersTimestamp, time.TimestampFrequency).Should().Be(TimeSpan.FromSeconds(2));
        var duration = measurements.Durations.Should().ContainSingle().Subject;
        duration.Value.Should().Be(2.0, "the ten seconds spent on the body are not the destination's latency");
        duration.Tags.Should().BeEquivalentTo(new Dictionary<string, object?>
        {
            ["edgekit.cluster"] = name,
            ["edgekit.destination"] = "d0",
            ["edgekit.outcome"] = "success",
            ["http.response.status_code"] = 200,
        });
        measurements.ActiveSum.Should().Be(0);
    }

    [Fact]
    public void A_failure_without_headers_is_timed_to_its_completion_and_records_its_error_type_or_its_status()
    {
        var time = new FakeTimeProvider();
        string name = $"lease-{Guid.NewGuid():N}";
        using var cluster = new Cluster(name, [new Destination("d0", new Uri("http://10.0.0.1"))], environment: new ClusterEnvironment(time));
        using var measurements = new Measurements(name);
        var destination = cluster.Snapshot.AllDestinations[0];

        var refused = cluster.Begin(destination);
        time.Advance(TimeSpan.FromSeconds(3));
        refused.Complete(RequestOutcome.Failure, 0, RequestErrorTypes.ConnectionError);
        cluster.Begin(destination).HeadersReceived().Complete(RequestOutcome.Failure, 503);
        cluster.Begin(destination).Complete(RequestOutcome.Failure);

        measurements.Durations.Select(d => (d.Value, d.Tags.GetValueOrDefault("error.type"), d.Tags.GetValueOrDefault("http.response.status_code")))
            .Should().Equal((3.0, "connection_error", null), (0.0, "503", 503), (0.0, "_OTHER", null));
        destination.ConsecutiveGatewayFailures.Should().Be(3, "no status and a 503 are both gateway failures");
        destination.InFlight.Should().Be(0);
    }

    [Fact]
    public void A_cancelled_request_leaves_no_latency_and_no_failure()
    {
        using var cluster = new Cluster("c", [new Destination("d0", new Uri("http://10.0.0.1"))]);
        var destination = cluster.Snapshot.AllDestinations[0];

        cluster.Begin(destination).Complete(RequestOutcome.Cancelled, 0, RequestErrorTypes.Timeout);

        destination.InFlight.Should().Be(0);
        destination.TotalRequests.Should().Be(0);
        destination.ConsecutiveFailures.Should().Be(0);
    }

    [Fact]
    public void A_default_lease_cannot_be_completed()
    {
        var lease = default(RequestLease);

        lease.IsActive.Should().BeFalse();
        lease.Invoking(l => l.Complete(RequestOutcome.Success, 200)).Should().Throw<InvalidOperationException>()
            .WithMessage("This RequestLease was not begun: get one from Cluster.Begin (a default lease has no destination).");
        lease.Invoking(l => l.HeadersReceived()).Should().Throw<InvalidOperationException>();
        using var cluster = new Cluster("c");
        cluster.Invoking(c => c.Begin(null!)).Should().Throw<ArgumentNullException>().WithParameterName("destination");
    }

    [Fact]
    public void Begin_and_complete_allocate_nothing_with_or_without_a_listener()
    {
        using var cluster = new Cluster($"lease-{Guid.NewGuid():N}", [new Destination("d0", new Uri("http://10.0.0.1"))]);
        var destination = cluster.Snapshot.AllDestinations[0];
        RunLeases(cluster, destination, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunLeases(cluster, destination, 10_000);
        long withoutListener = GC.GetAllocatedBytesForCurrentThread() - before;

        long seen = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name.StartsWith("edgekit.balancer.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref seen));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref seen));
        listener.Start();
        RunLeases(cluster, destination, 100);
        before = GC.GetAllocatedBytesForCurrentThread();
        RunLeases(cluster, destination, 10_000);
        long withListener = GC.GetAllocatedBytesForCurrentThread() - before;

        withoutListener.Should().Be(0);
        withListener.Should().Be(0);
        Interlocked.Read(ref seen).Should().BeGreaterThanOrEqualTo(4 * 10_100, "active +1 and -1, a count and a duration per request");
        destination.InFlight.Should().Be(0);
    }

    private static void RunLeases(Cluster cluster, DestinationState destination, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var lease = cluster.Begin(destination);
            lease = lease.HeadersReceived();
            lease.Complete(i % 3 == 0 ? RequestOutcome.Failure : RequestOutcome.Success, i % 3 == 0 ? 503 : 200);
        }
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, "connection_error")]
    [InlineData(HttpRequestError.NameResolutionError, "name_resolution_error")]
    [InlineData(HttpRequestError.SecureConnectionError, "secure_connection_error")]
    [InlineData(HttpRequestError.ProxyTunnelError, "proxy_tunnel_error")]
    [InlineData(HttpRequestError.HttpProtocolError, "http_protocol_error")]
    [InlineData(HttpRequestError.ExtendedConnectNotSupported, "extended_connect_not_supported")]
    [InlineData(HttpRequestError.VersionNegotiationError, "version_negotiation_error")]
    [InlineData(HttpRequestError.UserAuthenticationError, "user_authentication_error")]
    [InlineData(HttpRequestError.InvalidResponse, "invalid_response")]
    [InlineData(HttpRequestError.ResponseEnded, "response_ended")]
    [InlineData(HttpRequestError.ConfigurationLimitExceeded, "configuration_limit_exceeded")]
    [InlineData(HttpRequestError.Unknown, "transport_error")]
    public void An_HttpRequestException_is_named_by_its_HttpRequestError(HttpRequestError error, string expected) =>
        RequestErrorTypes.FromException(new HttpRequestException(error, "x")).Should().Be(expected);

    [Fact]
    public void Timeouts_other_exceptions_and_statuses_have_their_names()
    {
        RequestErrorTypes.FromException(new TimeoutException()).Should().Be("timeout");
        RequestErrorTypes.FromException(new TaskCanceledException("connect", new TimeoutException())).Should().Be("timeout");
        RequestErrorTypes.FromException(new IOException("reset")).Should().Be("System.IO.IOException");
        RequestErrorTypes.FromStatusCode(503).Should().Be("503").And.BeSameAs(RequestErrorTypes.FromStatusCode(503));
        RequestErrorTypes.FromStatusCode(999).Should().Be("999");
        RequestOutcomes.FromStatusCode(499).Should().Be(RequestOutcome.Success);
        RequestOutcomes.FromStatusCode(500).Should().Be(RequestOutcome.Failure);
        RequestOutcomes.Name(RequestOutcome.Cancelled).Should().Be("cancelled");
        FluentActions.Invoking(() => RequestErrorTypes.FromException(null!)).Should().Throw<ArgumentNullException>();
    }

    /// <summary>The balancer's measurements for one cluster name (every test reports to the same static meter).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(double Value, Dictionary<string, object?> Tags)> _durations = new();
        private long _active;

        public Measurements(string cluster)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name is "edgekit.balancer.request.duration" or "edgekit.balancer.active_requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                var dictionary = ToDictionary(tags);
                if (Equals(dictionary["edgekit.cluster"], cluster))
                {
                    _durations.Enqueue((value, dictionary));
                }
            });
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                if (Equals(ToDictionary(tags)["edgekit.cluster"], cluster))
                {
                    Interlocked.Add(ref _active, value);
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<(double Value, Dictionary<string, object?> Tags)> Durations => [.. _durations];

        public long ActiveSum => Interlocked.Read(ref _active);

        public void Dispose() => _listener.Dispose();

        private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var result = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                result[tag.Key] = tag.Value;
            }

            return result;
        }
    }
}
