using Microsoft.Extensions.Logging;

namespace EdgeKit.Redis.Telemetry;

/// <summary>The Redis rate limiter's log events (ids 1150–1199). Event ids are stable: never reuse or renumber one.</summary>
internal static partial class RedisRateLimitingLog
{
    [LoggerMessage(EventId = 1150, EventName = "RedisRateLimiterUnavailable", Level = LogLevel.Warning,
        Message = "Redis rate limiter policy '{Policy}': Redis cannot decide ({Reason}); answering {FailureMode} and skipping Redis for {BreakDuration}.")]
    public static partial void Unavailable(ILogger logger, string policy, string reason, string failureMode, TimeSpan breakDuration, Exception? exception);

    [LoggerMessage(EventId = 1151, EventName = "RedisRateLimiterRecovered", Level = LogLevel.Information,
        Message = "Redis rate limiter policy '{Policy}': Redis decides again.")]
    public static partial void Recovered(ILogger logger, string policy);

    [LoggerMessage(EventId = 1152, EventName = "RedisRateLimiterScriptLoaded", Level = LogLevel.Information,
        Message = "Redis rate limiter policy '{Policy}': script {Sha} loaded into Redis ({Reason}).")]
    public static partial void ScriptLoaded(ILogger logger, string policy, string sha, string reason);

    [LoggerMessage(EventId = 1153, EventName = "RedisRateLimiterUnexpectedReply", Level = LogLevel.Error,
        Message = "Redis rate limiter policy '{Policy}': the script returned an unexpected reply ({Reply}); answering {FailureMode}.")]
    public static partial void UnexpectedReply(ILogger logger, string policy, string reply, string failureMode);

    [LoggerMessage(EventId = 1154, EventName = "RedisRateLimiterOverLimitCacheFull", Level = LogLevel.Warning,
        Message = "Redis rate limiter policy '{Policy}': the over-limit cache holds its maximum of {Max} keys; further rejections are not cached until entries expire (logged at most once per 10 s).")]
    public static partial void OverLimitCacheFull(ILogger logger, string policy, int max);
}
