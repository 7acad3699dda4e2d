namespace EdgeKit.Auth;

/// <summary>The claim types EdgeKit's authentication schemes issue and its authorization policies read.</summary>
public static class EdgeKitClaimTypes
{
    /// <summary>The authenticated client's id (<c>client_id</c>, as in RFC 8693 and OAuth token introspection).</summary>
    public const string ClientId = "client_id";

    /// <summary>A granted scope: one claim per scope from API keys; JWTs carry them space-separated in one <c>scope</c> claim.</summary>
    public const string Scope = "scope";

    /// <summary>The scope claim some issuers use instead of <c>scope</c> (for example Microsoft Entra ID).</summary>
    public const string ScopeAlternative = "scp";

    /// <summary>The client's rate-limit tier, usable as (part of) the rate limiter's partition key.</summary>
    public const string RateLimitTier = "edgekit:tier";

    /// <summary>The id of the API key or HMAC key used (a name safe to log, never the secret).</summary>
    public const string KeyId = "edgekit:key_id";
}
