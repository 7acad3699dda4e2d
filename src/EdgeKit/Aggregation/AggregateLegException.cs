namespace EdgeKit.Aggregation;

/// <summary>Ends a leg with a known outcome; caught by the aggregator, never thrown to callers.</summary>
internal sealed class AggregateLegException(AggregateLegOutcome outcome, string detail, int? statusCode = null, Exception? inner = null) : Exception(detail, inner)
{
    public AggregateLegOutcome Outcome { get; } = outcome;

    public int? StatusCode { get; } = statusCode;
}
