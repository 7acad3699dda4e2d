using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>
/// The log events of identity forwarding (ids 1306–1307 of the auth range 1300–1349). Event ids are stable: never reuse
/// or renumber one. Never log a header's value: only its name and the claim type.
/// </summary>
internal static partial class IdentityForwardingLog
{
    [LoggerMessage(EventId = 1306, EventName = "IdentityHeaderSkipped", Level = LogLevel.Warning,
        Message = "Identity forwarding: header '{Header}' not set from claim '{ClaimType}': {Reason}.")]
    public static partial void IdentityHeaderSkipped(ILogger logger, string header, string claimType, string reason);

    [LoggerMessage(EventId = 1307, EventName = "IncomingIdentityHeaderStripped", Level = LogLevel.Debug,
        Message = "Identity forwarding: incoming header '{Header}' removed; only the gateway sets it.")]
    public static partial void IncomingIdentityHeaderStripped(ILogger logger, string header);
}
