using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>The log events of the gateway's rate limiting and load shedding (ids 1100–1101). Event ids are stable: never reuse or renumber one.</summary>
internal static partial class RateLimitingLog
{
    [LoggerMessage(EventId = 1100, EventName = "RateLimitRejected", Level = LogLevel.Debug,
        Message = "Rate-limit policy '{Policy}' rejected a request to {Path}: limit '{Limit}' exhausted, retry after {RetryAfter}.")]
    public static partial void RateLimitRejected(ILogger logger, string policy, string path, string limit, TimeSpan? retryAfter);

    [LoggerMessage(EventId = 1101, EventName = "RequestShed", Level = LogLevel.Debug,
        Message = "Load shedding rejected a request to {Path}: {InFlight} in flight, limit {Limit}.")]
    public static partial void RequestShed(ILogger logger, string path, int inFlight, int limit);
}
