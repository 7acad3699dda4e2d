using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Aggregation;

/// <summary>
/// The aggregation's log events and metric names that take its own types; Telemetry only sees primitives. Event ids
/// are stable (the 1250 range belongs to aggregation): never reuse or renumber one.
/// </summary>
internal static partial class AggregationLog
{
    [LoggerMessage(EventId = 1250, EventName = "AggregateLegFailed", Level = LogLevel.Warning,
        Message = "Aggregate '{Aggregate}': {Requirement} leg '{Leg}' failed ({Outcome}): {Detail}.")]
    public static partial void LegFailed(ILogger logger, string aggregate, string leg, string requirement, AggregateLegOutcome outcome, string detail, Exception? exception);

    /// <summary>The outcome's name in metrics, spans and problem details (<c>edgekit.outcome</c>).</summary>
    public static string OutcomeName(AggregateLegOutcome outcome) => outcome switch
    {
        AggregateLegOutcome.Success => "success",
        AggregateLegOutcome.BadStatus => "bad_status",
        AggregateLegOutcome.Timeout => "timeout",
        AggregateLegOutcome.TooLarge => "too_large",
        AggregateLegOutcome.InvalidJson => "invalid_json",
        AggregateLegOutcome.DependencyFailed => "dependency_failed",
        AggregateLegOutcome.RequestFailed => "request_failed",
        _ => "cancelled",
    };

    /// <summary>Counts one leg and records its duration (<c>edgekit.aggregation.legs</c>, <c>edgekit.aggregation.leg.duration</c>).</summary>
    public static void RecordLeg(string aggregate, string leg, AggregateLegOutcome outcome, TimeSpan duration) =>
        EdgeKitMetrics.RecordLeg(aggregate, leg, OutcomeName(outcome), duration);
}
