using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeKit.Telemetry;

namespace EdgeKit.Redis.Telemetry;

/// <summary>The Redis rate limiter's instruments, on EdgeKit's one meter (<see cref="EdgeKitTelemetry.Meter"/>).</summary>
internal static class RedisRateLimitingMetrics
{
    /// <summary>Tag: the policy's name.</summary>
    public const string PolicyTag = "edgekit.ratelimit.policy";

    /// <summary>Tag: the Redis command (<c>evalsha</c> or <c>script_load</c>).</summary>
    public const string CommandTag = "edgekit.ratelimit.redis.command";

    /// <summary>Tag (<see cref="EdgeKitTags.Outcome"/>): <c>success</c>, <c>noscript</c>, <c>timeout</c> or <c>error</c> for round trips.</summary>
    public const string OutcomeTag = EdgeKitTags.Outcome;

    /// <summary>Tag: <c>accepted</c> or <c>rejected</c>.</summary>
    public const string DecisionTag = "edgekit.ratelimit.decision";

    /// <summary>Tag: who decided: <c>redis</c>, <c>over_limit_cache</c>, <c>fail_open</c> or <c>fail_closed</c>.</summary>
    public const string SourceTag = "edgekit.ratelimit.source";

    public static readonly Counter<long> RoundTrips = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.ratelimit.redis.round_trips", "{round_trip}", "Round trips to Redis made by the Redis rate limiter, by command and outcome.");

    public static readonly Counter<long> Decisions = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.ratelimit.redis.decisions", "{decision}", "Acquire decisions of the Redis rate limiter, by decision and by who decided.");

    public static readonly Histogram<double> Duration = EdgeKitTelemetry.Meter.CreateHistogram<double>(
        "edgekit.ratelimit.redis.duration", "s", "Time a decision spent waiting for Redis (all its round trips), by outcome.",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        });

    public static void RecordRoundTrip(string policy, string command, string outcome)
    {
        if (RoundTrips.Enabled)
        {
            RoundTrips.Add(1, new TagList
            {
                { PolicyTag, policy },
                { CommandTag, command },
                { OutcomeTag, outcome },
            });
        }
    }

    public static void RecordDecision(string policy, bool accepted, string source)
    {
        if (Decisions.Enabled)
        {
            Decisions.Add(1, new TagList
            {
                { PolicyTag, policy },
                { DecisionTag, accepted ? "accepted" : "rejected" },
                { SourceTag, source },
            });
        }
    }

    public static void RecordDuration(string policy, string outcome, TimeSpan duration)
    {
        if (Duration.Enabled)
        {
            Duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(PolicyTag, policy), new KeyValuePair<string, object?>(OutcomeTag, outcome));
        }
    }
}
