namespace EdgeKit.Destinations;

/// <summary>One active probe of a destination, as its status shows it.</summary>
/// <param name="At">When the probe completed.</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">What it saw: <c>status 200</c>, <c>status 503 is not a healthy status</c>, <c>no response within 00:00:01</c>, or the error.</param>
internal sealed record ProbeObservation(DateTimeOffset At, bool Passed, string Detail);
