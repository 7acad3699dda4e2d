namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>One measurement seen by a <see cref="BalancerMeasurements"/>.</summary>
internal sealed record RecordedMeasurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags);
