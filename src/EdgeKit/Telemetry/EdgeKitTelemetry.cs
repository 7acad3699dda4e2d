using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeKit.Telemetry;

/// <summary>EdgeKit's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named <c>EdgeKit</c>.</summary>
public static class EdgeKitTelemetry
{
    /// <summary>The name of EdgeKit's meter and activity source.</summary>
    public const string Name = "EdgeKit";

    private static readonly string? s_version = typeof(EdgeKitTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>The meter every EdgeKit instrument belongs to.</summary>
    public static Meter Meter { get; } = new(Name, s_version);

    /// <summary>The activity source of EdgeKit's spans.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, s_version);
}
