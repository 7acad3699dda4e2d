using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeKit.Telemetry;

/// <summary>The instruments of the balancing core. Names follow <c>edgekit.&lt;component&gt;.&lt;measure&gt;</c>.</summary>
internal static class EdgeKitMetrics
{
    /// <summary>Tag: the cluster's name.</summary>
    public const string ClusterTag = "edgekit.cluster";

    /// <summary>Tag: the destination's id.</summary>
    public const string DestinationTag = "edgekit.destination";

    /// <summary>Tag: the response's status code (absent when there was none).</summary>
    public const string StatusCodeTag = "http.response.status_code";

    /// <summary>Tag: what went wrong (absent on success): an exception type, or the status code as text.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Tag: <c>success</c>, <c>failure</c> or <c>cancelled</c> for requests; <c>passed</c> or <c>failed</c> for health probes.</summary>
    public const string OutcomeTag = "edgekit.outcome";

    public static readonly Counter<long> Requests = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.balancer.requests", "{request}", "Requests sent to a destination by the balancer, by outcome.");

    public static readonly Histogram<double> RequestDuration = EdgeKitTelemetry.Meter.CreateHistogram<double>(
        "edgekit.balancer.request.duration", "s", "Time from sending a request to a destination to its response headers (or failure).",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
        });

    public static readonly UpDownCounter<long> ActiveRequests = EdgeKitTelemetry.Meter.CreateUpDownCounter<long>(
        "edgekit.balancer.active_requests", "{request}", "Requests in flight to a destination.");

    public static readonly Counter<long> NoDestination = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.balancer.no_destination", "{request}", "Requests that found no available destination in their cluster.");

    public static readonly Counter<long> HealthTransitions = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.health.transitions", "{transition}", "Changes of a destination's health (active and passive combined).");

    public static readonly Counter<long> Ejections = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.health.ejections", "{ejection}", "Destinations ejected by outlier detection.");

    public static readonly Counter<long> Probes = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.health.probes", "{probe}", "Active health probes sent to a destination, by outcome (passed or failed).");

    public static readonly Counter<long> Retries = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.resilience.retries", "{retry}", "Retries sent by EdgeKit's resilience handler, by the outcome of the retry.");

    public static readonly Counter<long> NotRetried = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.resilience.not_retried", "{request}", "Attempts that failed in a retryable way but were not retried, by reason.");

    public static readonly Counter<long> BudgetExhausted = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.resilience.budget_exhausted", "{attempt}", "Retries and hedged attempts not sent because the cluster's retry budget was spent.");

    public static readonly Counter<long> Hedges = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.resilience.hedges", "{attempt}", "Hedged attempts sent by EdgeKit's resilience handler.");

    public static readonly Counter<long> AttemptTimeouts = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.resilience.attempt_timeouts", "{attempt}", "Attempts cut off by EdgeKit's per-attempt timeout, counted against their destination.");

    /// <summary>Tag: why an attempt was not retried (<c>not-idempotent</c>, <c>opted-out</c>, ...).</summary>
    public const string ReasonTag = "edgekit.resilience.reason";

    /// <summary>Tag: <c>retry</c> or <c>hedge</c>.</summary>
    public const string AttemptKindTag = "edgekit.resilience.attempt_kind";

    public static void RecordRetry(string cluster, string outcome)
    {
        if (Retries.Enabled)
        {
            Retries.Add(1, new KeyValuePair<string, object?>(ClusterTag, cluster), new KeyValuePair<string, object?>(OutcomeTag, outcome));
        }
    }

    public static void RecordNotRetried(string cluster, string reason)
    {
        if (NotRetried.Enabled)
        {
            NotRetried.Add(1, new KeyValuePair<string, object?>(ClusterTag, cluster), new KeyValuePair<string, object?>(ReasonTag, reason));
        }
    }

    public static void RecordBudgetExhausted(string cluster, string kind)
    {
        if (BudgetExhausted.Enabled)
        {
            BudgetExhausted.Add(1, new KeyValuePair<string, object?>(ClusterTag, cluster), new KeyValuePair<string, object?>(AttemptKindTag, kind));
        }
    }

    /// <summary>Tag: the destination's new health (<c>healthy</c>, <c>unknown</c>, <c>unhealthy</c>).</summary>
    public const string HealthStateTag = "edgekit.health.state";

    /// <summary>Tag: why the health changed or the destination was ejected.</summary>
    public const string HealthReasonTag = "edgekit.health.reason";

    public static void RecordHealthTransition(string cluster, string destination, Destinations.DestinationHealth health, string reason)
    {
        if (HealthTransitions.Enabled)
        {
            var tags = DestinationTags(cluster, destination);
            tags.Add(HealthStateTag, health switch
            {
                Destinations.DestinationHealth.Healthy => "healthy",
                Destinations.DestinationHealth.Unhealthy => "unhealthy",
                _ => "unknown",
            });
            tags.Add(HealthReasonTag, reason);
            HealthTransitions.Add(1, tags);
        }
    }

    /// <summary>Counts one active health probe; <c>edgekit.outcome</c> is <c>passed</c> or <c>failed</c>.</summary>
    public static void RecordProbe(string cluster, string destination, bool passed)
    {
        if (Probes.Enabled)
        {
            var tags = DestinationTags(cluster, destination);
            tags.Add(OutcomeTag, passed ? "passed" : "failed");
            Probes.Add(1, tags);
        }
    }

    public static void RecordEjection(string cluster, string destination, string reason)
    {
        if (Ejections.Enabled)
        {
            var tags = DestinationTags(cluster, destination);
            tags.Add(HealthReasonTag, reason);
            Ejections.Add(1, tags);
        }
    }

    /// <summary>Tag: the rate-limit policy's name.</summary>
    public const string RateLimitPolicyTag = "edgekit.ratelimit.policy";

    /// <summary>Tag: <c>accepted</c> or <c>rejected</c>.</summary>
    public const string RateLimitResultTag = "edgekit.ratelimit.result";

    public static readonly Counter<long> RateLimitDecisions = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.ratelimit.decisions", "{decision}", "Rate-limit decisions of EdgeKit's limiters, by policy and result (accepted or rejected).");

    public static readonly UpDownCounter<long> RateLimitPartitions = EdgeKitTelemetry.Meter.CreateUpDownCounter<long>(
        "edgekit.ratelimit.partitions", "{partition}", "Partitions (client keys) tracked by EdgeKit's partitioned limiters, by policy.");

    public static readonly Counter<long> RateLimitOverflows = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.ratelimit.overflows", "{request}", "Requests whose key could not be tracked because the partition cap was reached, by policy.");

    public static void RecordRateLimitDecision(string policy, bool accepted) =>
        RateLimitDecisions.Add(1, new KeyValuePair<string, object?>(RateLimitPolicyTag, policy), new KeyValuePair<string, object?>(RateLimitResultTag, accepted ? "accepted" : "rejected"));

    private static readonly object[] s_statusCodes = CreateStatusCodes();

    /// <summary>A boxed status code without allocating (cached for 100-599).</summary>
    public static object BoxedStatus(int statusCode) =>
        (uint)(statusCode - 100) < 500 ? s_statusCodes[statusCode - 100] : statusCode;

    private static object[] CreateStatusCodes()
    {
        var codes = new object[500];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = i + 100;
        }

        return codes;
    }

    public static TagList DestinationTags(string cluster, string destination) => new()
    {
        { ClusterTag, cluster },
        { DestinationTag, destination },
    };
}
