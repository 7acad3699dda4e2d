using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Destinations;

public class DestinationStateTests
{
    private static readonly FakeTimeProvider Time = new();

    private static (DestinationState State, Func<TimeSpan, long> Ticks) Create(TimeSpan? decay = null)
    {
        double frequency = Time.TimestampFrequency;
        var state = new DestinationState(
            new Destination("d", new Uri("http://10.0.0.1")),
            (decay ?? LoadBalancingOptions.DefaultLatencyDecay).TotalSeconds * frequency);
        return (state, t => (long)(t.TotalSeconds * frequency));
    }

    private static double Ms(DestinationState state, long now) => state.GetLatencyEstimate(now, Time.TimestampFrequency).TotalMilliseconds;

    [Fact]
    public void Latency_estimate_starts_at_zero_and_takes_the_first_observation()
    {
        var (state, ticks) = Create();
        Ms(state, 0).Should().Be(0);

        state.ObserveLatency(0, ticks(TimeSpan.FromMilliseconds(120)));

        Ms(state, 0).Should().BeApproximately(120, 1e-9);
    }

    [Fact]
    public void A_peak_replaces_the_estimate_at_once()
    {
        var (state, ticks) = Create();
        state.ObserveLatency(0, ticks(TimeSpan.FromMilliseconds(100)));
        state.ObserveLatency(ticks(TimeSpan.FromMilliseconds(1)), ticks(TimeSpan.FromMilliseconds(900)));

        Ms(state, ticks(TimeSpan.FromMilliseconds(1))).Should().BeApproximately(900, 1e-9);
    }

    [Fact]
    public void A_lower_observation_is_blended_with_weight_one_minus_e_to_minus_dt_over_tau()
    {
        var (state, ticks) = Create(TimeSpan.FromSeconds(10));
        state.ObserveLatency(0, ticks(TimeSpan.FromMilliseconds(1000)));
        long t = ticks(TimeSpan.FromSeconds(5));
        state.ObserveLatency(t, ticks(TimeSpan.FromMilliseconds(100)));

        double w = Math.Exp(-0.5);
        Ms(state, t).Should().BeApproximately((1000 * w) + (100 * (1 - w)), 1e-3); // TimeSpan resolution is 100 ns
    }

    [Fact]
    public void The_estimate_decays_toward_zero_while_idle()
    {
        var (state, ticks) = Create(TimeSpan.FromSeconds(10));
        state.ObserveLatency(0, ticks(TimeSpan.FromMilliseconds(1000)));

        Ms(state, ticks(TimeSpan.FromSeconds(10))).Should().BeApproximately(1000 / Math.E, 1e-3); // TimeSpan resolution is 100 ns
        Ms(state, ticks(TimeSpan.FromSeconds(20))).Should().BeApproximately(1000 / Math.E / Math.E, 1e-3); // TimeSpan resolution is 100 ns
    }

    [Fact]
    public void Counts_requests_failures_and_in_flight()
    {
        var (state, _) = Create();
        state.BeginRequest();
        state.BeginRequest();
        state.BeginRequest();
        state.InFlight.Should().Be(3);

        state.EndRequest(0, 10, RequestOutcome.Failure);
        state.EndRequest(0, 10, RequestOutcome.Failure);
        state.ConsecutiveFailures.Should().Be(2);
        state.EndRequest(0, 10, RequestOutcome.Success);

        state.InFlight.Should().Be(0);
        state.TotalRequests.Should().Be(3);
        state.TotalFailures.Should().Be(2);
        state.ConsecutiveFailures.Should().Be(0);
    }

    [Fact]
    public void A_cancelled_request_counts_for_nothing_but_in_flight()
    {
        var (state, _) = Create();
        state.BeginRequest();
        state.EndRequest(0, 999_999, RequestOutcome.Cancelled);

        state.InFlight.Should().Be(0);
        state.TotalRequests.Should().Be(0);
        state.TotalFailures.Should().Be(0);
        Ms(state, 0).Should().Be(0);
    }

    [Fact]
    public void Concurrent_updates_keep_counts_exact()
    {
        var (state, ticks) = Create();
        Parallel.For(0, 100_000, i =>
        {
            state.BeginRequest();
            state.EndRequest(i, ticks(TimeSpan.FromMilliseconds(1 + (i % 50))), i % 10 == 0 ? RequestOutcome.Failure : RequestOutcome.Success);
        });

        state.InFlight.Should().Be(0);
        state.TotalRequests.Should().Be(100_000);
        state.TotalFailures.Should().Be(10_000);
        Ms(state, 100_000).Should().BeInRange(1, 50);
    }

    [Theory]
    [InlineData("http://10.0.0.1:8080", "/api/x?q=1", "http://10.0.0.1:8080/api/x?q=1")]
    [InlineData("http://10.0.0.1:8080/", "/api/x", "http://10.0.0.1:8080/api/x")]
    [InlineData("http://10.0.0.1:8080/base", "/api/x?q=1", "http://10.0.0.1:8080/base/api/x?q=1")]
    [InlineData("http://10.0.0.1:8080/base/", "/api/x?q=1", "http://10.0.0.1:8080/base/api/x?q=1")]
    [InlineData("http://10.0.0.1:8080/base/", "/", "http://10.0.0.1:8080/base/")]
    [InlineData("https://svc.internal", "/a%2Fb/c%20d?x=%26y", "https://svc.internal/a%2Fb/c%20d?x=%26y")]
    [InlineData("http://[::1]:5000", "/p", "http://[::1]:5000/p")]
    public void Rewrites_scheme_host_port_and_joins_the_path_prefix(string address, string pathAndQuery, string expected)
    {
        var state = new DestinationState(new Destination("d", new Uri(address)), 1);

        var rewritten = state.Rewrite(new Uri("http://orders" + pathAndQuery));

        rewritten.OriginalString.Should().Be(expected);
        rewritten.PathAndQuery.Should().Be(new Uri(expected).PathAndQuery);
    }

    [Fact]
    public void Reuses_the_rewritten_uri_for_the_same_request_uri()
    {
        var state = new DestinationState(new Destination("d", new Uri("http://10.0.0.1:8080")), 1);
        var first = state.Rewrite(new Uri("http://orders/items?id=1"));

        state.Rewrite(new Uri("http://orders/items?id=1")).Should().BeSameAs(first);
        state.Rewrite(new Uri("http://orders/items?id=2")).Should().NotBeSameAs(first);
    }

    [Fact]
    public void Drops_the_fragment_of_the_request()
    {
        var state = new DestinationState(new Destination("d", new Uri("http://10.0.0.1")), 1);
        state.Rewrite(new Uri("http://orders/a?b=1#frag")).OriginalString.Should().Be("http://10.0.0.1/a?b=1");
    }
}
