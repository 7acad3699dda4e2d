using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// Listens to EdgeKit's activity source (every span sampled) and keeps the stopped spans tagged <c>tag</c> = <c>value</c>
/// only, so that tests running in parallel do not see each other's.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();

    public SpanRecorder(string tag, object value)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "EdgeKit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(tag), value))
                {
                    _spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The spans stopped so far, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Spans => [.. _spans];

    public void Dispose() => _listener.Dispose();
}
