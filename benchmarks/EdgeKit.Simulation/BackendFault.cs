namespace EdgeKit.Simulation;

/// <summary>
/// A time window during which a backend misbehaves. It applies to the requests that <em>reach</em> the
/// backend inside the window; a request already being served keeps the latency it was given.
/// </summary>
/// <param name="Start">When the window opens, from the start of the run.</param>
/// <param name="Duration">How long it stays open.</param>
/// <param name="Latency">The latency that replaces the backend's usual one inside the window; <see langword="null"/> keeps the usual one.</param>
/// <param name="ErrorRate">The share of requests, from 0 to 1, answered with an error (a 5xx) after their latency.</param>
public sealed record BackendFault(TimeSpan Start, TimeSpan Duration, LatencyModel? Latency = null, double ErrorRate = 0)
{
    /// <summary>When the window closes.</summary>
    public TimeSpan End => Start + Duration;

    /// <summary>Whether a request arriving at <paramref name="time"/> is affected.</summary>
    /// <param name="time">The arrival time.</param>
    /// <returns><see langword="true"/> inside [<see cref="Start"/>, <see cref="End"/>).</returns>
    public bool Covers(TimeSpan time) => time >= Start && time < End;

    /// <inheritdoc/>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Latency is not null)
        {
            parts.Add($"latency {Latency}");
        }

        if (ErrorRate > 0)
        {
            parts.Add($"{ErrorRate:P1} errors");
        }

        return $"{Format.Duration(Start)}–{Format.Duration(End)}: {(parts.Count == 0 ? "no change" : string.Join(", ", parts))}";
    }
}
