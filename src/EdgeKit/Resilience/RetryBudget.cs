using System.Runtime.CompilerServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;

namespace EdgeKit.Resilience;

/// <summary>
/// The live counters of one cluster's retry budget (see <see cref="RetryBudgetOptions"/>): requests active in
/// EdgeKit's resilience handlers, and retries and hedged attempts in flight. Lock-free: every change is an
/// interlocked operation.
/// </summary>
internal sealed class RetryBudget
{
    /// <summary>How often, at most, an exhausted budget is logged at warning level per cluster.</summary>
    internal static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    // Keyed by the cluster object, so that every client of a cluster shares its budget and the budget goes when the cluster does.
    private static readonly ConditionalWeakTable<Cluster, RetryBudget> s_budgets = new();

    private int _activeRequests;
    private int _activeRetries;
    private readonly LogThrottle _warnings = new();

    /// <summary>The budget of <paramref name="cluster"/>, shared by every client that sends to it.</summary>
    public static RetryBudget For(Cluster cluster) => s_budgets.GetValue(cluster, static _ => new RetryBudget());

    /// <summary>Requests active in EdgeKit's resilience handlers for the cluster.</summary>
    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    /// <summary>Retries and hedged attempts in flight (a retry from the moment it is decided).</summary>
    public int ActiveRetries => Volatile.Read(ref _activeRetries);

    public void RequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void RequestEnded() => Interlocked.Decrement(ref _activeRequests);

    /// <summary>The most retries that may be in flight with <paramref name="activeRequests"/> active requests.</summary>
    public static int Limit(RetryBudgetOptions options, int activeRequests) =>
        Math.Max(options.MinRetryConcurrency, (int)(activeRequests * options.BudgetPercent / 100));

    /// <summary>Takes a slot for a retry or hedged attempt if the budget allows one more.</summary>
    /// <param name="options">The budget's settings (those of the client asking).</param>
    /// <param name="limit">The limit that applied.</param>
    /// <returns>Whether a slot was taken; if so, call <see cref="Release"/> when the attempt ends.</returns>
    public bool TryAcquire(RetryBudgetOptions options, out int limit)
    {
        while (true)
        {
            int retries = Volatile.Read(ref _activeRetries);
            limit = Limit(options, Volatile.Read(ref _activeRequests));
            if (retries >= limit)
            {
                _warnings.Count();
                return false;
            }

            if (Interlocked.CompareExchange(ref _activeRetries, retries + 1, retries) == retries)
            {
                return true;
            }
        }
    }

    public void Release() => Interlocked.Decrement(ref _activeRetries);

    /// <summary>
    /// Whether an exhausted budget should be logged now: at most once per <see cref="WarningInterval"/>.
    /// </summary>
    /// <param name="now">The current timestamp.</param>
    /// <param name="interval">The interval in timestamp units.</param>
    /// <param name="denied">When logging: the refusals since the last warning.</param>
    public bool ShouldWarn(long now, long interval, out long denied) => _warnings.TryBegin(now, interval, out denied);
}
