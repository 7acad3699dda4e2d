namespace EdgeKit.Configuration;

/// <summary>EdgeKit's aggregates by name, bound from the <c>EdgeKit</c> section's <c>Aggregates</c> and added in code.</summary>
public sealed class AggregationOptions
{
    /// <summary>The aggregates, by name (case-insensitive).</summary>
    public Dictionary<string, AggregateOptions> Aggregates { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
