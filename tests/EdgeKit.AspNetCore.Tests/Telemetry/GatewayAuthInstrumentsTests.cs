using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeKit.AspNetCore.Authentication;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.Telemetry;

namespace EdgeKit.AspNetCore.Tests.Telemetry;

/// <summary>
/// The auth instruments only the gateway records live in the gateway (<c>AuthenticationMetrics</c>,
/// <c>IdentityForwardingMetrics</c>), on EdgeKit's one meter: a listener sees them under meter <c>EdgeKit</c>, once
/// each, with the same unit, description and tags as before they moved out of the core.
/// </summary>
public sealed class GatewayAuthInstrumentsTests
{
    [Fact]
    public void Each_auth_instrument_is_published_once_on_the_EdgeKit_meter_with_its_unit_and_description()
    {
        _ = AuthenticationMetrics.Failures;
        _ = IdentityForwardingMetrics.HeadersStripped;
        _ = EdgeKitMetrics.TokenRequests;
        var published = new ConcurrentQueue<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Name.StartsWith("edgekit.auth.", StringComparison.Ordinal))
                {
                    published.Enqueue(instrument);
                }
            },
        };

        listener.Start();

        published.Select(i => i.Name).Should().BeEquivalentTo("edgekit.auth.failures", "edgekit.auth.identity_headers_stripped", "edgekit.auth.token_requests");
        published.Should().OnlyContain(i => ReferenceEquals(i.Meter, EdgeKitTelemetry.Meter) && i.Meter.Name == "EdgeKit");
        var failures = published.Single(i => i.Name == "edgekit.auth.failures");
        failures.Should().BeOfType<Counter<long>>();
        failures.Unit.Should().Be("{request}");
        failures.Description.Should().Be("Requests whose credentials an EdgeKit scheme rejected, by scheme and reason.");
        var stripped = published.Single(i => i.Name == "edgekit.auth.identity_headers_stripped");
        stripped.Should().BeOfType<Counter<long>>();
        stripped.Unit.Should().Be("{header}");
        stripped.Description.Should().Be("Incoming headers removed by identity forwarding because only the gateway may set them.");
    }

    [Fact]
    public void A_failure_is_counted_with_exactly_the_scheme_and_the_reason()
    {
        string scheme = "scheme-" + Guid.NewGuid().ToString("N");
        var measured = new ConcurrentQueue<(long Value, KeyValuePair<string, object?>[] Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.auth.failures")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray() is var all && all.Any(t => Equals(t.Value, scheme)))
            {
                measured.Enqueue((value, all));
            }
        });
        listener.Start();

        AuthenticationMetrics.RecordFailure(scheme, "expired");

        var single = measured.Should().ContainSingle().Subject;
        single.Value.Should().Be(1);
        single.Tags.Should().Equal(
            new KeyValuePair<string, object?>("edgekit.auth.scheme", scheme),
            new KeyValuePair<string, object?>("edgekit.auth.reason", "expired"));
    }
}
