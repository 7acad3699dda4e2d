namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>The problem types of draft-ietf-httpapi-ratelimit-headers that EdgeKit answers with (RFC 9457 <c>type</c> values).</summary>
public static class RateLimitProblemTypes
{
    /// <summary>The request exceeded the client's quota (sent with 429).</summary>
    public const string QuotaExceeded = "https://iana.org/assignments/http-problem-types#quota-exceeded";

    /// <summary>The server is shedding load (sent with 503).</summary>
    public const string TemporaryReducedCapacity = "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";
}
