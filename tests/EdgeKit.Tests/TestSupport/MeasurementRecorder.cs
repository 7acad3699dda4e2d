using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// Listens to EdgeKit's instruments and keeps the measurements of one cluster only, so that tests running in
/// parallel (all reporting to the one static <c>EdgeKit</c> meter) do not see each other's.
/// </summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();
    private readonly string _cluster;

    public MeasurementRecorder(string cluster)
    {
        _cluster = cluster;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "EdgeKit")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The measurements of <paramref name="instrument"/>, in order.</summary>
    public IReadOnlyList<Measured> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tag <paramref name="tag"/> is <paramref name="value"/> (all when no tag).</summary>
    public double Sum(string instrument, string? tag = null, object? value = null) =>
        Of(instrument).Where(m => tag is null || Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

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
            _measurements.Enqueue(new Measured(instrument.Name, value, copy));
        }
    }
}

/// <summary>One measurement seen by a <see cref="MeasurementRecorder"/>.</summary>
internal sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
