using Microsoft.Extensions.Logging;

namespace EdgeKit.Telemetry;

/// <summary>
/// EdgeKit's log events that take only primitives. Event ids are stable: never reuse or renumber one. Events whose
/// arguments are a feature's own types live in that feature's log class (<c>HealthLog</c>, <c>AggregationLog</c>), so
/// Telemetry depends on no other folder.
/// </summary>
internal static partial class EdgeKitLog
{
    [LoggerMessage(EventId = 1020, EventName = "DestinationEjected", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': destination '{Destination}' ejected for {Duration} ({Reason}); ejection number {Count}.")]
    public static partial void DestinationEjected(ILogger logger, string cluster, string destination, string reason, TimeSpan duration, int count);

    [LoggerMessage(EventId = 1021, EventName = "DestinationReadmitted", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}': destination '{Destination}' readmitted ({Reason}).")]
    public static partial void DestinationReadmitted(ILogger logger, string cluster, string destination, string reason);

    [LoggerMessage(EventId = 1022, EventName = "ClusterPanicChanged", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}' panic: {InPanic} ({Healthy} of {Total} destinations healthy).")]
    public static partial void ClusterPanicChanged(ILogger logger, string cluster, bool inPanic, int healthy, int total);

    [LoggerMessage(EventId = 1002, EventName = "NoAvailableDestination", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}' has no available destination ({Total} configured).")]
    public static partial void NoAvailableDestination(ILogger logger, string cluster, int total);

    [LoggerMessage(EventId = 1003, EventName = "ClusterDestinationsChanged", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}' now has {Count} destinations from source '{Source}'.")]
    public static partial void ClusterDestinationsChanged(ILogger logger, string cluster, string source, int count);

    [LoggerMessage(EventId = 1004, EventName = "ClusterAdded", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}' added with strategy {Strategy}.")]
    public static partial void ClusterAdded(ILogger logger, string cluster, string strategy);

    [LoggerMessage(EventId = 1005, EventName = "ClusterRemoved", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}' removed from configuration.")]
    public static partial void ClusterRemoved(ILogger logger, string cluster);

    [LoggerMessage(EventId = 1006, EventName = "ConfigurationApplied", Level = LogLevel.Information,
        Message = "EdgeKit configuration applied: {Count} clusters.")]
    public static partial void ConfigurationApplied(ILogger logger, int count);

    [LoggerMessage(EventId = 1008, EventName = "ServiceDiscoveryFailed", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': resolving service '{Service}' failed; its previous destinations stay.")]
    public static partial void ServiceDiscoveryFailed(ILogger logger, string cluster, string service, Exception exception);

    [LoggerMessage(EventId = 1009, EventName = "ServiceEndpointSkipped", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': endpoint '{Endpoint}' of service '{Service}' cannot be a destination and is skipped: {Reason}")]
    public static partial void ServiceEndpointSkipped(ILogger logger, string cluster, string service, string endpoint, string reason);

    [LoggerMessage(EventId = 1010, EventName = "DestinationIdConflict", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': destination '{Destination}' from source '{Source}' is ignored because source '{Owner}' has a destination with the same id.")]
    public static partial void DestinationIdConflict(ILogger logger, string cluster, string destination, string source, string owner);

    [LoggerMessage(EventId = 1011, EventName = "ServiceDiscoveryStartupTimeout", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': service '{Service}' was not resolved within {Timeout}; the application starts without its destinations, which are added when resolution completes.")]
    public static partial void ServiceDiscoveryStartupTimeout(ILogger logger, string cluster, string service, TimeSpan timeout);

    [LoggerMessage(EventId = 1012, EventName = "UpdatedHandlerFailed", Level = LogLevel.Error,
        Message = "A handler of ClusterRegistry.Updated failed; the new configuration is applied regardless.")]
    public static partial void UpdatedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1013, EventName = "ServiceDiscoveryNotEnabled", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}' names service '{Service}', but service discovery is not enabled, so no destination is resolved for it. Call AddServiceDiscovery() on the EdgeKit builder.")]
    public static partial void ServiceDiscoveryNotEnabled(ILogger logger, string cluster, string service);

    [LoggerMessage(EventId = 1030, EventName = "HealthProbeFailed", Level = LogLevel.Debug,
        Message = "Cluster '{Cluster}': health probe of destination '{Destination}' ({Uri}) failed: {Reason}.")]
    public static partial void HealthProbeFailed(ILogger logger, string cluster, string destination, Uri? uri, string reason);

    [LoggerMessage(EventId = 1032, EventName = "OutOfRotationDestinationProbed", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}': health probe of destination '{Destination}', out of rotation ({State}), {Result}: {Detail}; {Successes} passed in a row.")]
    public static partial void OutOfRotationDestinationProbed(ILogger logger, string cluster, string destination, string state, string result, string detail, int successes);

    [LoggerMessage(EventId = 1023, EventName = "DestinationAddressChanged", Level = LogLevel.Information,
        Message = "Cluster '{Cluster}': destination '{Destination}' has a new address; it starts with fresh health state.")]
    public static partial void DestinationAddressChanged(ILogger logger, string cluster, string destination);

    [LoggerMessage(EventId = 1031, EventName = "HealthProbeLoopFailed", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': a round of active health probes failed unexpectedly; the next round runs as scheduled.")]
    public static partial void HealthProbeLoopFailed(ILogger logger, string cluster, Exception exception);
    [LoggerMessage(EventId = 1040, EventName = "RetryScheduled", Level = LogLevel.Debug,
        Message = "Cluster '{Cluster}': {Method} request retried (retry {Retry} of {MaxRetries}) in {Delay} after {Trigger}.")]
    public static partial void RetryScheduled(ILogger logger, string cluster, string method, int retry, int maxRetries, TimeSpan delay, string trigger);

    [LoggerMessage(EventId = 1041, EventName = "RetryNotAttempted", Level = LogLevel.Debug,
        Message = "Cluster '{Cluster}': {Method} request not retried after {Trigger}: {Reason}.")]
    public static partial void RetryNotAttempted(ILogger logger, string cluster, string method, string trigger, string reason);

    [LoggerMessage(EventId = 1042, EventName = "RetryBudgetExhausted", Level = LogLevel.Warning,
        Message = "Cluster '{Cluster}': retry budget exhausted ({ActiveRetries} retries in flight for {ActiveRequests} requests, limit {Limit}); {Denied} retries and hedged attempts not sent since the last report.")]
    public static partial void RetryBudgetExhausted(ILogger logger, string cluster, int activeRetries, int activeRequests, int limit, long denied);

    [LoggerMessage(EventId = 1043, EventName = "AttemptTimedOut", Level = LogLevel.Debug,
        Message = "Cluster '{Cluster}': an attempt on destination '{Destination}' timed out after {Elapsed}; counted as a gateway failure.")]
    public static partial void AttemptTimedOut(ILogger logger, string cluster, string destination, TimeSpan elapsed);

    [LoggerMessage(EventId = 1044, EventName = "HedgeSent", Level = LogLevel.Debug,
        Message = "Cluster '{Cluster}': hedged attempt {Attempt} of a {Method} request sent.")]
    public static partial void HedgeSent(ILogger logger, string cluster, string method, int attempt);

    [LoggerMessage(EventId = 1251, EventName = "AggregateFailed", Level = LogLevel.Warning,
        Message = "Aggregate '{Aggregate}' answered {Status}: {Detail}")]
    public static partial void AggregateFailed(ILogger logger, string aggregate, int status, string detail);

    [LoggerMessage(EventId = 1252, EventName = "AggregationConfigurationRejected", Level = LogLevel.Error,
        Message = "EdgeKit aggregates reload rejected; the previous aggregates stay in force. {Error}")]
    public static partial void AggregationConfigurationRejected(ILogger logger, string error);
    [LoggerMessage(EventId = 1200, EventName = "CacheCoalescedRequestFailed", Level = LogLevel.Debug,
        Message = "Cache '{Cache}': the request the others waited on for '{Key}' failed; they go to the backend on their own.")]
    public static partial void CacheCoalescedRequestFailed(ILogger logger, string cache, string key, Exception exception);

    [LoggerMessage(EventId = 1201, EventName = "CacheStoreReadFailed", Level = LogLevel.Warning,
        Message = "Cache '{Cache}': reading '{Key}' from the store failed; the request goes to the backend.")]
    public static partial void CacheStoreReadFailed(ILogger logger, string cache, string key, Exception exception);

    [LoggerMessage(EventId = 1202, EventName = "CacheStoreWriteFailed", Level = LogLevel.Warning,
        Message = "Cache '{Cache}': writing '{Key}' to the store failed; the response is served but not stored.")]
    public static partial void CacheStoreWriteFailed(ILogger logger, string cache, string key, Exception exception);

    [LoggerMessage(EventId = 1203, EventName = "CacheBackgroundRevalidationFailed", Level = LogLevel.Warning,
        Message = "Cache '{Cache}': revalidating '{Key}' in the background (stale-while-revalidate) failed; the stale entry stays until it expires.")]
    public static partial void CacheBackgroundRevalidationFailed(ILogger logger, string cache, string key, Exception exception);

    [LoggerMessage(EventId = 1204, EventName = "CacheServedStaleOnError", Level = LogLevel.Information,
        Message = "Cache '{Cache}': the backend failed ({Failure}) for '{Key}'; a stale response was served (stale-if-error).")]
    public static partial void CacheServedStaleOnError(ILogger logger, string cache, string key, string failure);

    // Auth: 1300-1349 (1300-1308 are the gateway's: its Authentication, IdentityForwarding and Authorization log classes).
    [LoggerMessage(EventId = 1310, EventName = "ClientCredentialsTokenAcquired", Level = LogLevel.Debug,
        Message = "Client '{Client}': access token obtained, valid for {Lifetime}.")]
    public static partial void ClientCredentialsTokenAcquired(ILogger logger, string client, TimeSpan lifetime);

    [LoggerMessage(EventId = 1311, EventName = "ClientCredentialsTokenFailed", Level = LogLevel.Warning,
        Message = "Client '{Client}': token request failed (status {Status}, error {Error}): {Reason}")]
    public static partial void ClientCredentialsTokenFailed(ILogger logger, string client, int? status, string? error, string reason);
}
