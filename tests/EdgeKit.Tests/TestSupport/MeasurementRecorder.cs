using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// Listens to EdgeKit's instruments and keeps the measurements of one cluster only (or of one value of another tag, or,
/// for a test that runs alone, every measurement of untagged instruments), so that tests running in parallel (all
/// reporting to the one static <c>EdgeKit</c> meter) do not see each other's.
/// </summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();
    private readonly string? _tag;
    private readonly object? _value;

    /// <summary>Keeps the measurements tagged <c>edgekit.cluster</c> = <paramref name="cluster"/>.</summary>
    public MeasurementRecorder(string cluster)
        : this("edgekit.cluster", cluster)
    {
    }

    /// <summary>Keeps the measurements tagged <paramref name="tag"/> = <paramref name="value"/>; with no tag, the measurements that have no tags.</summary>
    public MeasurementRecorder(string? tag, object? value)
    {
        _tag = tag;
        _value = value;
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

        if (_tag is null ? copy.Count == 0 : copy.TryGetValue(_tag, out var tagged) && Equals(tagged, _value))
        {
            _measurements.Enqueue(new Measured(instrument.Name, value, copy, instrument.Unit));
        }
    }
}

/// <summary>One measurement seen by a <see cref="MeasurementRecorder"/>.</summary>
internal sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags, string? Unit = null);
