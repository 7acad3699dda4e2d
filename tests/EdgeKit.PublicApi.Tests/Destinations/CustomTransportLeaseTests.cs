using System.Net;
using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.PublicApi.Tests.Destinations;

/// <summary>
/// A transport that is not EdgeKit's feeds health through the public request lifecycle
/// (<see cref="Cluster.Begin"/> … <see cref="RequestLease.Complete"/>) and nothing else.
/// </summary>
public sealed class CustomTransportLeaseTests
{
    [Fact]
    public async Task A_custom_transport_reporting_failures_through_the_lease_gets_its_destination_ejected()
    {
        var time = new FakeTimeProvider();
        using var cluster = new Cluster(
            "custom",
            [new Destination("bad", new Uri("http://10.0.0.1")), new Destination("good", new Uri("http://10.0.0.2"))],
            new LoadBalancingOptions { Strategy = "RoundRobin" },
            new ClusterEnvironment(time),
            new HealthOptions { OutlierDetection = { ConsecutiveGatewayFailures = 3, MaxEjectionPercent = 50 } });
        using var client = new HttpClient(new CustomTransport(cluster, new FakeNetwork()));
        var served = new List<string>();

        for (int i = 0; i < 12; i++)
        {
            using var response = await client.GetAsync(new Uri("http://custom/items"));
            served.Add(await response.Content.ReadAsStringAsync());
        }

        var bad = cluster.Snapshot.AllDestinations.Single(d => d.Id == "bad");
        bad.IsEjected.Should().BeTrue("three refused connections in a row, reported through the lease, eject it");
        bad.EjectionCount.Should().Be(1);
        bad.InFlight.Should().Be(0);
        cluster.Snapshot.AvailableDestinations.Select(d => d.Id).Should().Equal("good");
        served.Count(s => s == "failed").Should().Be(3);
        int ejectedAfter = served.Select((s, i) => (s, i)).Where(x => x.s == "failed").Last().i;
        served.Skip(ejectedAfter + 1).Should().OnlyContain(s => s == "good").And.HaveCountGreaterThan(5);
    }

    /// <summary>A transport that is not EdgeKit's: it picks, begins, sends through its own network and reports through the lease.</summary>
    private sealed class CustomTransport(Cluster cluster, HttpMessageHandler network) : DelegatingHandler(network)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var destination = cluster.Pick(new PickContext(cluster.Environment.TimeProvider.GetTimestamp()))
                ?? throw new InvalidOperationException("no destination");
            var lease = cluster.Begin(destination);
            request.RequestUri = destination.GetRequestUri(request.RequestUri!.AbsolutePath, null);
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                lease = lease.HeadersReceived();
                lease.Complete(RequestOutcomes.FromStatusCode((int)response.StatusCode), (int)response.StatusCode);
                return response;
            }
            catch (HttpRequestException ex)
            {
                lease.Complete(RequestOutcome.Failure, 0, RequestErrorTypes.FromException(ex));
                return new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("failed") };
            }
        }
    }

    private sealed class FakeNetwork : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.Host == "10.0.0.1"
                ? throw new HttpRequestException(HttpRequestError.ConnectionError, "refused")
                : Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("good") });
    }
}
