using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>
/// Listens to EdgeKit's balancer instruments (by default the request counter and duration histogram)
/// and keeps the measurements of one cluster only, so that tests running in parallel (all reporting to
/// the one static <c>EdgeKit</c> meter) do not see each other's.
/// </summary>
internal sealed class BalancerMeasurements : IDisposable
{
    public const string RequestsInstrument = "edgekit.balancer.requests";
    public const string DurationInstrument = "edgekit.balancer.request.duration";
    public const string ActiveRequestsInstrument = "edgekit.balancer.active_requests";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();
    private readonly string _cluster;

    public BalancerMeasurements(string cluster, params string[] instruments)
    {
        _cluster = cluster;
        string[] enabled = instruments.Length == 0 ? [RequestsInstrument, DurationInstrument] : instruments;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "EdgeKit" && enabled.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The measurements of <c>edgekit.balancer.requests</c>, in order.</summary>
    public IReadOnlyList<RecordedMeasurement> Requests => Of(RequestsInstrument);

    /// <summary>The measurements of <c>edgekit.balancer.request.duration</c>, in order.</summary>
    public IReadOnlyList<RecordedMeasurement> Durations => Of(DurationInstrument);

    /// <summary>The measurements of one instrument, in order.</summary>
    public IReadOnlyList<RecordedMeasurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(tags.Length);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        if (copy.TryGetValue("edgekit.cluster", out var cluster) && Equals(cluster, _cluster))
        {
            _measurements.Enqueue(new RecordedMeasurement(instrument.Name, instrument.Unit, value, copy));
        }
    }
}
