using System.Text.Json;

namespace EdgeKit.Aggregation;

/// <summary>One leg's state in one execution: its outcome and its response(s), until the result is disposed.</summary>
internal sealed class LegState(CompiledLeg leg) : IDisposable
{
    public CompiledLeg Leg { get; } = leg;

    public AggregateLegOutcome Outcome { get; set; } = AggregateLegOutcome.Cancelled;

    public int? StatusCode { get; private set; }

    public string? Detail { get; private set; }

    /// <summary>Whether this leg's read crossed the aggregate's total bound.</summary>
    public bool TotalExceeded { get; set; }

    /// <summary>The response, for a leg that does not fan out.</summary>
    public LegBuffer? Buffer { get; set; }

    /// <summary>The responses in the elements' order, for a leg that fans out.</summary>
    public LegBuffer?[]? Items { get; set; }

    /// <summary>The parsed response, when another leg needs values from it.</summary>
    public JsonDocument? Document { get; set; }

    /// <summary>What caused the failure, for the log only: its message never reaches a response.</summary>
    public Exception? Error { get; private set; }

    public void Fail(AggregateLegOutcome outcome, string detail, int? statusCode = null, Exception? error = null)
    {
        Outcome = outcome;
        Detail = detail;
        StatusCode = statusCode;
        Error = error;
    }

    public void Dispose()
    {
        Document?.Dispose();
        Document = null;
        Buffer?.Dispose();
        Buffer = null;
        if (Items is { } items)
        {
            foreach (var item in items)
            {
                item?.Dispose();
            }

            Items = null;
        }
    }
}
