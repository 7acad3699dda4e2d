using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>The log events of the gateway's authorization policies (id 1308 of the auth range 1300–1349). Event ids are stable: never reuse or renumber one.</summary>
internal static partial class AuthorizationLog
{
    [LoggerMessage(EventId = 1308, EventName = "AuthorizationConfigurationRejected", Level = LogLevel.Error,
        Message = "EdgeKit authorization policies reload rejected; the previous policies stay in force. {Error}")]
    public static partial void AuthorizationConfigurationRejected(ILogger logger, string error);
}
