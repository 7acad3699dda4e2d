using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>How a policy finds a request's client key.</summary>
public sealed class RateLimitPartitionOptions
{
    /// <summary>The default header of <see cref="RateLimitPartitionKind.ApiKey"/>: <c>X-Api-Key</c>.</summary>
    public const string DefaultApiKeyHeader = "X-Api-Key";

    /// <summary>What requests are counted by. Default <see cref="RateLimitPartitionKind.ClientIp"/>.</summary>
    public RateLimitPartitionKind Kind { get; set; } = RateLimitPartitionKind.ClientIp;

    /// <summary>
    /// The header name (<see cref="RateLimitPartitionKind.ApiKey"/>, default <c>X-Api-Key</c>;
    /// <see cref="RateLimitPartitionKind.Header"/>, required) or the claim type (<see cref="RateLimitPartitionKind.Claim"/>, required).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Code only: returns the key of a request, replacing <see cref="Kind"/>. Returning <see langword="null"/> or an
    /// empty string counts the request by client IP.
    /// </summary>
    public Func<HttpContext, string?>? KeySelector { get; set; }
}
