using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>The gateway's log events (ids 1400–1499). Event ids are stable: never reuse or renumber one.
/// Never log header values, tokens, cookies or bodies.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1400, EventName = "GatewayRoutesApplied", Level = LogLevel.Information,
        Message = "EdgeKit gateway routes applied: {Count} routes.")]
    public static partial void RoutesApplied(ILogger logger, int count);

    [LoggerMessage(EventId = 1401, EventName = "GatewayConfigurationRejected", Level = LogLevel.Error,
        Message = "EdgeKit gateway configuration reload rejected; the routes in force stay. {Error}")]
    public static partial void ConfigurationRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 1402, EventName = "GatewayClusterNotFound", Level = LogLevel.Warning,
        Message = "Route '{Route}': cluster '{Cluster}' does not exist.")]
    public static partial void ClusterNotFound(ILogger logger, string route, string cluster);

    [LoggerMessage(EventId = 1403, EventName = "GatewayNoAvailableDestination", Level = LogLevel.Warning,
        Message = "Route '{Route}': cluster '{Cluster}' has no available destination ({Total} configured). {Failures} failed requests of the cluster since the last such warning (logged at most every {Interval}; metrics count each one).")]
    public static partial void NoAvailableDestination(ILogger logger, string route, string cluster, int total, long failures, TimeSpan interval);

    [LoggerMessage(EventId = 1404, EventName = "GatewayBackendUnreachable", Level = LogLevel.Warning,
        Message = "Route '{Route}': connecting to destination '{Destination}' of cluster '{Cluster}' failed. {Failures} failed requests of the cluster since the last such warning (logged at most every {Interval}; metrics count each one).")]
    public static partial void BackendUnreachable(ILogger logger, string route, string cluster, string destination, long failures, TimeSpan interval, Exception exception);

    [LoggerMessage(EventId = 1405, EventName = "GatewayBackendFailed", Level = LogLevel.Warning,
        Message = "Route '{Route}': destination '{Destination}' of cluster '{Cluster}' failed while answering. {Failures} failed requests of the cluster since the last such warning (logged at most every {Interval}; metrics count each one).")]
    public static partial void BackendFailed(ILogger logger, string route, string cluster, string destination, long failures, TimeSpan interval, Exception exception);

    [LoggerMessage(EventId = 1406, EventName = "GatewayTimeout", Level = LogLevel.Warning,
        Message = "Route '{Route}': destination '{Destination}' of cluster '{Cluster}' made no progress for {Timeout}. {Failures} failed requests of the cluster since the last such warning (logged at most every {Interval}; metrics count each one).")]
    public static partial void Timeout(ILogger logger, string route, string cluster, string destination, TimeSpan timeout, long failures, TimeSpan interval);

    [LoggerMessage(EventId = 1407, EventName = "GatewayClientBodyFailed", Level = LogLevel.Information,
        Message = "Route '{Route}': reading the client's request body failed.")]
    public static partial void ClientBodyFailed(ILogger logger, string route, Exception exception);

    [LoggerMessage(EventId = 1408, EventName = "GatewayClientAborted", Level = LogLevel.Debug,
        Message = "Route '{Route}': the client went away before the exchange completed.")]
    public static partial void ClientAborted(ILogger logger, string route);

    [LoggerMessage(EventId = 1409, EventName = "GatewayResponseBodyFailed", Level = LogLevel.Warning,
        Message = "Route '{Route}': destination '{Destination}' of cluster '{Cluster}' failed while sending its response body; the client connection is aborted. {Failures} failed requests of the cluster since the last such warning (logged at most every {Interval}; metrics count each one).")]
    public static partial void ResponseBodyFailed(ILogger logger, string route, string cluster, string destination, long failures, TimeSpan interval, Exception exception);

    [LoggerMessage(EventId = 1414, EventName = "GatewayMalformedRequest", Level = LogLevel.Information,
        Message = "Route '{Route}': a request carrying the connection-specific field '{Field}', malformed in HTTP/2 and HTTP/3, is refused (400).")]
    public static partial void MalformedRequest(ILogger logger, string route, string field);
}
