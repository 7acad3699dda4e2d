using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// The log events of the gateway's authentication schemes (ids 1300–1305 of the auth range 1300–1349; the client side's
/// 1310–1311 are the core's). Event ids are stable: never reuse or renumber one. Never log a token, key, secret,
/// <c>Authorization</c> header or cookie: only scheme names, key and client ids, and fixed reason words.
/// </summary>
internal static partial class AuthenticationLog
{
    [LoggerMessage(EventId = 1300, EventName = "AuthenticationFailed", Level = LogLevel.Debug,
        Message = "Scheme '{Scheme}': authentication failed ({Reason}).")]
    public static partial void AuthenticationFailed(ILogger logger, string scheme, string reason);

    [LoggerMessage(EventId = 1301, EventName = "RevokedApiKeyUsed", Level = LogLevel.Warning,
        Message = "Scheme '{Scheme}': revoked API key '{KeyId}' of client '{ClientId}' was presented.")]
    public static partial void RevokedApiKeyUsed(ILogger logger, string scheme, string keyId, string clientId);

    [LoggerMessage(EventId = 1302, EventName = "ApiKeyConfigurationInvalid", Level = LogLevel.Error,
        Message = "Scheme '{Scheme}': an API key entry is ignored: {Error}")]
    public static partial void ApiKeyConfigurationInvalid(ILogger logger, string scheme, string error);

    [LoggerMessage(EventId = 1303, EventName = "ApiKeysLoaded", Level = LogLevel.Information,
        Message = "Scheme '{Scheme}': {Count} API keys loaded from configuration.")]
    public static partial void ApiKeysLoaded(ILogger logger, string scheme, int count);

    [LoggerMessage(EventId = 1304, EventName = "HmacReplayRejected", Level = LogLevel.Warning,
        Message = "Scheme '{Scheme}': a request signed with key '{KeyId}' reused a nonce and was rejected as a replay.")]
    public static partial void HmacReplayRejected(ILogger logger, string scheme, string keyId);

    [LoggerMessage(EventId = 1305, EventName = "HmacNonceCacheFull", Level = LogLevel.Warning,
        Message = "Scheme '{Scheme}': the nonce cache is full ({Capacity} nonces within the clock-skew window); signed requests are rejected until nonces expire.")]
    public static partial void HmacNonceCacheFull(ILogger logger, string scheme, int capacity);
}
