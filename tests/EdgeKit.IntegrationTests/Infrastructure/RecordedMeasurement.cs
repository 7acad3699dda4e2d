using System.Diagnostics;

namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>One measurement seen by a <see cref="BalancerMeasurements"/>, with the <see cref="Stopwatch"/> timestamp at which it was recorded.</summary>
internal sealed record RecordedMeasurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public long Timestamp { get; } = Stopwatch.GetTimestamp();
}
