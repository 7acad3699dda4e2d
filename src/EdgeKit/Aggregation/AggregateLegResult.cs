namespace EdgeKit.Aggregation;

/// <summary>How one leg of an aggregate ended.</summary>
public sealed class AggregateLegResult
{
    internal AggregateLegResult(string name, bool required, AggregateLegOutcome outcome, int? statusCode, string? detail)
    {
        Name = name;
        Required = required;
        Outcome = outcome;
        StatusCode = statusCode;
        Detail = detail;
    }

    /// <summary>The leg's name.</summary>
    public string Name { get; }

    /// <summary>Whether the leg is required.</summary>
    public bool Required { get; }

    /// <summary>How it ended.</summary>
    public AggregateLegOutcome Outcome { get; }

    /// <summary>The backend's status for <see cref="AggregateLegOutcome.BadStatus"/>; otherwise <see langword="null"/>.</summary>
    public int? StatusCode { get; }

    /// <summary>What went wrong, in a sentence fragment; <see langword="null"/> on success.</summary>
    public string? Detail { get; }
}
