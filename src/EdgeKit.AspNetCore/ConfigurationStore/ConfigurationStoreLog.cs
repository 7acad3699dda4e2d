using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>The configuration store's log events (ids 1560–1579). Event ids are stable: never reuse or renumber one.</summary>
internal static partial class ConfigurationStoreLog
{
    [LoggerMessage(EventId = 1560, EventName = "SharedConfigurationApplied", Level = LogLevel.Information,
        Message = "EdgeKit shared configuration version {Version} applied (written by {ChangedBy}: {Change}).")]
    public static partial void Applied(ILogger logger, long version, string? changedBy, string? change);

    [LoggerMessage(EventId = 1561, EventName = "SharedConfigurationRejected", Level = LogLevel.Error,
        Message = "EdgeKit shared configuration version {Version} cannot be applied on this instance; it keeps its configuration. {Error}")]
    public static partial void Rejected(ILogger logger, long version, string error);

    [LoggerMessage(EventId = 1562, EventName = "ConfigurationStoreUnreachable", Level = LogLevel.Warning,
        Message = "EdgeKit configuration store cannot be reached; serving the configuration applied (version {Version}) until it returns.")]
    public static partial void Unreachable(ILogger logger, long? version, Exception exception);

    [LoggerMessage(EventId = 1563, EventName = "ConfigurationStoreReachable", Level = LogLevel.Information,
        Message = "EdgeKit configuration store reachable again.")]
    public static partial void Reachable(ILogger logger);

    [LoggerMessage(EventId = 1564, EventName = "SharedConfigurationStartedWithoutStore", Level = LogLevel.Warning,
        Message = "EdgeKit started without its configuration store ({Problem}); the shared sections come from {Origin}.")]
    public static partial void StartedWithoutStore(ILogger logger, string problem, string origin);

    [LoggerMessage(EventId = 1565, EventName = "SharedConfigurationCacheNotWritten", Level = LogLevel.Warning,
        Message = "EdgeKit could not write its configuration cache file: {Problem}")]
    public static partial void CacheNotWritten(ILogger logger, string problem);
}
