using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>The transforms' log events (ids 1410–1429). Event ids are stable: never reuse or renumber one. Never log bodies or header values.</summary>
internal static partial class TransformLog
{
    [LoggerMessage(EventId = 1410, EventName = "GatewayRequestJsonTooLarge", Level = LogLevel.Information,
        Message = "Route '{Route}': the JSON request body is larger than the transform's bound of {MaxBytes} bytes; answered 413.")]
    public static partial void RequestJsonTooLarge(ILogger logger, string route, long maxBytes);

    [LoggerMessage(EventId = 1411, EventName = "GatewayRequestJsonInvalid", Level = LogLevel.Information,
        Message = "Route '{Route}': the request body declared as JSON could not be read or parsed; answered 400.")]
    public static partial void RequestJsonInvalid(ILogger logger, string route);

    [LoggerMessage(EventId = 1412, EventName = "GatewayResponseJsonTooLarge", Level = LogLevel.Warning,
        Message = "Route '{Route}': the backend's JSON response is larger than the transform's bound of {MaxBytes} bytes; answered 502.")]
    public static partial void ResponseJsonTooLarge(ILogger logger, string route, long maxBytes);

    [LoggerMessage(EventId = 1413, EventName = "GatewayResponseJsonInvalid", Level = LogLevel.Warning,
        Message = "Route '{Route}': the backend's response declared as JSON could not be parsed; answered 502.")]
    public static partial void ResponseJsonInvalid(ILogger logger, string route);
}
