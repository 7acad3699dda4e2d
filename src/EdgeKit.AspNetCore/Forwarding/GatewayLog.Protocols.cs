using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>The gateway's protocol events: upgraded connections (WebSockets) and gRPC-Web (ids 1430–1449).</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1430, EventName = "GatewayUpgradeOpened", Level = LogLevel.Debug,
        Message = "Route '{Route}': '{Protocol}' connection upgraded to destination '{Destination}' of cluster '{Cluster}' ({Mode}).")]
    public static partial void UpgradeOpened(ILogger logger, string route, string cluster, string destination, string protocol, string mode);

    [LoggerMessage(EventId = 1431, EventName = "GatewayUpgradeIdleTimeout", Level = LogLevel.Information,
        Message = "Route '{Route}': the upgraded connection to destination '{Destination}' of cluster '{Cluster}' was idle for {Timeout} and is closed.")]
    public static partial void UpgradeIdleTimeout(ILogger logger, string route, string cluster, string destination, TimeSpan timeout);

    [LoggerMessage(EventId = 1432, EventName = "GatewayUpgradeClosed", Level = LogLevel.Debug,
        Message = "Route '{Route}': the upgraded connection to destination '{Destination}' of cluster '{Cluster}' closed after {ToBackend} bytes to the backend and {ToClient} bytes to the client.")]
    public static partial void UpgradeClosed(ILogger logger, string route, string cluster, string destination, long toBackend, long toClient);

    [LoggerMessage(EventId = 1433, EventName = "GatewayUpgradeFailed", Level = LogLevel.Information,
        Message = "Route '{Route}': the upgraded connection to destination '{Destination}' of cluster '{Cluster}' ended with an error.")]
    public static partial void UpgradeFailed(ILogger logger, string route, string cluster, string destination, Exception exception);

    [LoggerMessage(EventId = 1434, EventName = "GatewayUpgradeDeclined", Level = LogLevel.Debug,
        Message = "Route '{Route}': destination '{Destination}' of cluster '{Cluster}' answered {Status} to an upgrade request; the answer is forwarded as a normal response.")]
    public static partial void UpgradeDeclined(ILogger logger, string route, string cluster, string destination, int status);

    [LoggerMessage(EventId = 1440, EventName = "GatewayGrpcWebTranslated", Level = LogLevel.Debug,
        Message = "Route '{Route}': gRPC-Web request ({ContentType}) translated to gRPC.")]
    public static partial void GrpcWebTranslated(ILogger logger, string route, string contentType);

    [LoggerMessage(EventId = 1441, EventName = "GatewayGrpcWebTrailersFailed", Level = LogLevel.Information,
        Message = "Route '{Route}': writing the gRPC-Web trailer frame failed; the client connection is aborted.")]
    public static partial void GrpcWebTrailersFailed(ILogger logger, string route, Exception exception);
}
