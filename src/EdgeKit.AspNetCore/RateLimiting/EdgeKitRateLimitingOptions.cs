namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>EdgeKit's rate limiting for ASP.NET Core (the <c>EdgeKit:RateLimiting</c> section).</summary>
public sealed class EdgeKitRateLimitingOptions
{
    /// <summary>The default <see cref="ForwardedForHeader"/>: <c>X-Forwarded-For</c>.</summary>
    public const string DefaultForwardedForHeader = "X-Forwarded-For";

    /// <summary>The policies by name. Names are case-sensitive, printable ASCII without <c>"</c> or <c>\</c> (they are advertised in headers).</summary>
    public IDictionary<string, EdgeKitRateLimitPolicyOptions> Policies { get; set; } = new Dictionary<string, EdgeKitRateLimitPolicyOptions>(StringComparer.Ordinal);

    /// <summary>
    /// The proxies whose <see cref="ForwardedForHeader"/> is believed: IP addresses (<c>10.0.0.5</c>, <c>::1</c>) or CIDR
    /// networks (<c>10.0.0.0/8</c>, <c>fd00::/8</c>), written as in <c>EdgeKit:ForwardedHeaders:KnownProxies</c>. Default
    /// none: the header is ignored and the connection's address is the client's.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>The header trusted proxies put the client's address in. Default <c>X-Forwarded-For</c>.</summary>
    public string ForwardedForHeader { get; set; } = DefaultForwardedForHeader;

    /// <summary>
    /// Whether limited responses carry the <c>RateLimit-Policy</c> and <c>RateLimit</c> headers
    /// (draft-ietf-httpapi-ratelimit-headers). Default <see langword="true"/>. Rejections always carry <c>Retry-After</c>.
    /// </summary>
    public bool EmitRateLimitHeaders { get; set; } = true;
}
