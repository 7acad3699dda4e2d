using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeKit.Telemetry;

/// <summary>The instruments of the balancing core. Names follow <c>edgekit.&lt;component&gt;.&lt;measure&gt;</c>.</summary>
internal static class EdgeKitMetrics
{
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

    public static readonly Histogram<long> ResilienceAttempts = EdgeKitTelemetry.Meter.CreateHistogram<long>(
        "edgekit.resilience.attempts", "{attempt}", "Attempts per request through EdgeKit's resilience (client handler or gateway route): the first, retries and hedged copies.");

    public static readonly Histogram<double> ResilienceDuration = EdgeKitTelemetry.Meter.CreateHistogram<double>(
        "edgekit.resilience.duration", "s", "Time a request spent in EdgeKit's resilience, from its first attempt to the response headers it returned (or its failure), backoffs included.");

    /// <summary>Records one request's attempts and total time through EdgeKit's resilience.</summary>
    public static void RecordResilientRequest(string cluster, int attempts, TimeSpan duration)
    {
        if (ResilienceAttempts.Enabled)
        {
            ResilienceAttempts.Record(attempts, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, cluster));
        }

        if (ResilienceDuration.Enabled)
        {
            ResilienceDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, cluster));
        }
    }

    /// <summary>Tag: why an attempt was not retried (<c>not-idempotent</c>, <c>opted-out</c>, ...).</summary>
    public const string ReasonTag = "edgekit.resilience.reason";

    /// <summary>Tag: <c>retry</c> or <c>hedge</c>.</summary>
    public const string AttemptKindTag = "edgekit.resilience.attempt_kind";

    public static void RecordRetry(string cluster, string outcome)
    {
        if (Retries.Enabled)
        {
            Retries.Add(1, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, cluster), new KeyValuePair<string, object?>(EdgeKitTags.Outcome, outcome));
        }
    }

    public static void RecordNotRetried(string cluster, string reason)
    {
        if (NotRetried.Enabled)
        {
            NotRetried.Add(1, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, cluster), new KeyValuePair<string, object?>(ReasonTag, reason));
        }
    }

    public static void RecordBudgetExhausted(string cluster, string kind)
    {
        if (BudgetExhausted.Enabled)
        {
            BudgetExhausted.Add(1, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, cluster), new KeyValuePair<string, object?>(AttemptKindTag, kind));
        }
    }

    /// <summary>Tag: the destination's new health (<c>healthy</c>, <c>unknown</c>, <c>unhealthy</c>).</summary>
    public const string HealthStateTag = "edgekit.health.state";

    /// <summary>Tag: why the health changed or the destination was ejected.</summary>
    public const string HealthReasonTag = "edgekit.health.reason";

    /// <summary>Counts one health transition; <paramref name="state"/> is the new health's tag value (<see cref="HealthStateTag"/>).</summary>
    public static void RecordHealthTransition(string cluster, string destination, string state, string reason)
    {
        if (HealthTransitions.Enabled)
        {
            var tags = DestinationTags(cluster, destination);
            tags.Add(HealthStateTag, state);
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
            tags.Add(EdgeKitTags.Outcome, passed ? "passed" : "failed");
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

    /// <summary>Tag: the name of the HTTP cache (gateway cache policy or HttpClient name).</summary>
    public const string CachePolicyTag = "edgekit.cache.policy";

    /// <summary>Tag: how the cache answered: <c>hit</c>, <c>stale</c>, <c>revalidated</c>, <c>collapsed</c>, <c>miss</c>, <c>bypass</c> or <c>only-if-cached</c>.</summary>
    public const string CacheResultTag = "edgekit.cache.result";

    public static readonly Counter<long> CacheRequests = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.cache.requests", "{request}", "Requests answered through an EdgeKit HTTP cache, by result.");

    public static void RecordCacheRequest(string policy, string result)
    {
        if (CacheRequests.Enabled)
        {
            CacheRequests.Add(1, new KeyValuePair<string, object?>(CachePolicyTag, policy), new KeyValuePair<string, object?>(CacheResultTag, result));
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

    public static TagList DestinationTags(string cluster, string destination) => new()
    {
        { EdgeKitTags.Cluster, cluster },
        { EdgeKitTags.Destination, destination },
    };

    /// <summary>Tag: the aggregate's name.</summary>
    public const string AggregateTag = "edgekit.aggregate";

    /// <summary>Tag: the leg's name within its aggregate.</summary>
    public const string LegTag = "edgekit.aggregation.leg";

    public static readonly Counter<long> AggregationLegs = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.aggregation.legs", "{leg}", "Legs of aggregates run, by outcome (success, bad_status, timeout, too_large, invalid_json, dependency_failed, request_failed, cancelled).");

    public static readonly Histogram<double> AggregationLegDuration = EdgeKitTelemetry.Meter.CreateHistogram<double>(
        "edgekit.aggregation.leg.duration", "s", "Time a leg of an aggregate took, from its start (after the legs it depends on) to its last response read.",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
        });

    public static readonly Counter<long> AggregationRequests = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.aggregation.requests", "{request}", "Executions of aggregates, by the status answered.");

    /// <summary>Counts one aggregate leg and records its duration; <paramref name="outcome"/> is the outcome's tag value.</summary>
    public static void RecordLeg(string aggregate, string leg, string outcome, TimeSpan duration)
    {
        if (AggregationLegs.Enabled || AggregationLegDuration.Enabled)
        {
            var tags = new TagList
            {
                { AggregateTag, aggregate },
                { LegTag, leg },
                { EdgeKitTags.Outcome, outcome },
            };
            AggregationLegs.Add(1, tags);
            AggregationLegDuration.Record(duration.TotalSeconds, tags);
        }
    }

    public static void RecordRequest(string aggregate, int statusCode)
    {
        if (AggregationRequests.Enabled)
        {
            AggregationRequests.Add(1, new KeyValuePair<string, object?>(AggregateTag, aggregate), new KeyValuePair<string, object?>(EdgeKitTags.StatusCode, EdgeKitTags.StatusCodeValue(statusCode)));
        }
    }

    // Auth (the client side; the gateway's schemes and identity forwarding own their instruments). Tags never carry
    // tokens, keys or credentials: only client names and fixed words.

    /// <summary>Tag: the HttpClient's name.</summary>
    public const string AuthClientTag = "edgekit.auth.client";

    public static readonly Counter<long> TokenRequests = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.auth.token_requests", "{request}", "Client-credentials token requests sent to a token endpoint, by client and outcome.");

    public static void RecordTokenRequest(string client, string outcome)
    {
        if (TokenRequests.Enabled)
        {
            TokenRequests.Add(1, new KeyValuePair<string, object?>(AuthClientTag, client), new KeyValuePair<string, object?>(EdgeKitTags.Outcome, outcome));
        }
    }
}
