using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

/// <summary>Records <c>edgekit.auth.failures</c> measurements (scheme and reason) while alive.</summary>
internal sealed class AuthFailureRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Scheme, string Reason)> _failures = new();

    public AuthFailureRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.auth.failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string scheme = "", reason = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "edgekit.auth.scheme")
                {
                    scheme = (string)tag.Value!;
                }
                else if (tag.Key == "edgekit.auth.reason")
                {
                    reason = (string)tag.Value!;
                }
            }

            _failures.Enqueue((scheme, reason));
        });
        _listener.Start();
    }

    public IReadOnlyCollection<(string Scheme, string Reason)> Failures => _failures;

    public IEnumerable<string> ReasonsFor(string scheme) => _failures.Where(f => f.Scheme == scheme).Select(f => f.Reason);

    public void Dispose() => _listener.Dispose();
}
