namespace EdgeKit.Configuration;

/// <summary>
/// Envoy's retry budget: retries in flight in a cluster may not exceed <see cref="BudgetPercent"/> of its active
/// requests, except that <see cref="MinRetryConcurrency"/> retries are always allowed. When a destination or the
/// whole service fails, retries then add at most that share of load instead of multiplying it.
/// </summary>
/// <remarks>
/// Counted per cluster, across every client that uses it: a request is active from the moment it enters EdgeKit's
/// resilience handler until it leaves; a retry holds a slot from the moment it is decided (its backoff included)
/// until it completes, a hedged attempt while it runs. A retry or hedge refused by the budget is not sent; the
/// caller gets the outcome of the attempt before it.
/// </remarks>
public sealed class RetryBudgetOptions
{
    /// <summary>The default <see cref="BudgetPercent"/>: 20 (Envoy's).</summary>
    public const double DefaultBudgetPercent = 20;

    /// <summary>The default <see cref="MinRetryConcurrency"/>: 3 (Envoy's).</summary>
    public const int DefaultMinRetryConcurrency = 3;

    /// <summary>The share of active requests, in percent, that may be retries in flight. Default 20; from 0 to 100.</summary>
    public double BudgetPercent { get; set; } = DefaultBudgetPercent;

    /// <summary>Retries that may be in flight whatever the number of active requests. Default 3; 0 or more.</summary>
    public int MinRetryConcurrency { get; set; } = DefaultMinRetryConcurrency;
}
