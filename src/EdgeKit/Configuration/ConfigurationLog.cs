using Microsoft.Extensions.Logging;

namespace EdgeKit.Configuration;

/// <summary>
/// The configuration's log events, here so that Configuration depends on nothing else of EdgeKit (Telemetry included).
/// Event ids are stable and shared with <c>EdgeKitLog</c>'s numbering: never reuse or renumber one.
/// </summary>
internal static partial class ConfigurationLog
{
    [LoggerMessage(EventId = 1007, EventName = "ConfigurationRejected", Level = LogLevel.Error,
        Message = "EdgeKit configuration reload rejected; the previous configuration stays in force. {Error}")]
    public static partial void ConfigurationRejected(ILogger logger, string error);
}
