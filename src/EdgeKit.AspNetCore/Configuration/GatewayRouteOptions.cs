using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Configuration;

/// <summary>One gateway route: what it matches, where it goes, and the policies applied on the way.</summary>
public sealed class GatewayRouteOptions
{
    /// <summary>What a request must look like to take this route.</summary>
    public RouteMatchOptions Match { get; set; } = new();

    /// <summary>
    /// The route's place among routes that match the same request: lower first. Routes with equal order are ranked
    /// by ASP.NET routing's rules (literal segments before parameters before catch-alls). Default 0.
    /// </summary>
    public int Order { get; set; }

    /// <summary>The cluster requests are forwarded to. Exactly one of <see cref="Cluster"/> and <see cref="Aggregate"/> is required.</summary>
    public string? Cluster { get; set; }

    /// <summary>The aggregate that answers the route (several backend calls combined).</summary>
    public string? Aggregate { get; set; }

    /// <summary>
    /// The ASP.NET authorization policy required; <c>default</c> for the default policy (an authenticated user),
    /// <c>anonymous</c> to allow anonymous access even under a fallback policy; <see langword="null"/> for none.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>The rate limiter policy (ASP.NET's rate limiting middleware); <c>disable</c> to opt out of a global limiter.</summary>
    public string? RateLimiterPolicy { get; set; }

    /// <summary>The EdgeKit cache policy; <see langword="null"/> for no caching.</summary>
    public string? CachePolicy { get; set; }

    /// <summary>The CORS policy (ASP.NET's CORS middleware); <c>default</c> for the default policy, <c>disable</c> to turn CORS off.</summary>
    public string? CorsPolicy { get; set; }

    /// <summary>
    /// How long the backend may take to send its response headers; <see langword="null"/> for
    /// <see cref="ForwarderOptions.DefaultTimeout"/>. A request that runs out answers 504.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// The identity forwarding (by name, from <see cref="GatewayOptions.IdentityForwarding"/>) that turns the caller's
    /// claims into request headers for the backend, always removing any incoming header of the same names so a client
    /// cannot forge them; <see langword="null"/> for none.
    /// </summary>
    public string? IdentityForwarding { get; set; }

    /// <summary>The largest request body accepted, in bytes; larger ones answer 413. <see langword="null"/> keeps the server's limit.</summary>
    public long? MaxRequestBodySize { get; set; }

    /// <summary>
    /// How long an upgraded connection (WebSocket or other tunnel) on this route may stay idle in both directions before
    /// the gateway closes it; <see langword="null"/> for <see cref="ForwarderOptions.UpgradeIdleTimeout"/>.
    /// </summary>
    public TimeSpan? UpgradeIdleTimeout { get; set; }

    /// <summary>
    /// Whether gRPC-Web requests (<c>application/grpc-web</c> and <c>application/grpc-web-text</c>, from browsers) are
    /// translated to gRPC for the backend and their answers back to gRPC-Web. The route's cluster must reach its
    /// backends over HTTP/2 (e.g. <c>RequestVersion</c> <c>2</c> with <c>RequestVersionExact</c> for h2c). Other
    /// requests on the route are forwarded unchanged. Default <see langword="false"/>.
    /// </summary>
    public bool GrpcWeb { get; set; }

    /// <summary>Request and response transforms, applied in order. Each is a set of key/value pairs naming one transform.</summary>
    public List<Dictionary<string, string>> Transforms { get; set; } = [];

    /// <summary>Free-form metadata, visible to middleware through the endpoint's <see cref="Gateway.GatewayRouteMetadata"/>.</summary>
    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Retries (and optional hedging) of the route's requests on other destinations of its cluster, with the same
    /// settings, rules and retry budget as an <see cref="System.Net.Http.HttpClient"/>'s <c>AddEdgeKitResilience()</c>:
    /// <c>MaxRetryAttempts</c>, <c>AttemptTimeout</c> (per try), <c>TotalTimeout</c> (all tries until response headers),
    /// <c>RetryOn</c>, <c>RetryableStatuses</c>, backoff and <c>Retry-After</c>, <c>RetryBudget</c>, <c>Hedging</c>,
    /// <c>AllowNonIdempotent</c> and <c>MaxReplayBodySize</c>. Only idempotent requests are retried after reaching a
    /// destination; any request whose connection could not be opened is. A response is never retried once its headers
    /// went to the client. <see langword="null"/> (the default): no retries. See docs/gateway.md, "Retries".
    /// </summary>
    public EdgeKit.Configuration.EdgeKitResilienceOptions? Retry { get; set; }

    /// <summary>
    /// Whether a request over plain HTTP is redirected to HTTPS (308, same host, path and query, on the gateway's HTTPS
    /// port) instead of being forwarded. Needs <c>app.UseEdgeKitRouteTls()</c>. Default <see langword="false"/>.
    /// </summary>
    public bool HttpsRedirect { get; set; }

    /// <summary>
    /// The <c>max-age</c> of the <c>Strict-Transport-Security</c> header (RFC 6797) sent on this route's answers over HTTPS;
    /// <see langword="null"/> (the default) sends none. Needs <c>app.UseEdgeKitRouteTls()</c>.
    /// </summary>
    public TimeSpan? Hsts { get; set; }

    /// <summary>
    /// Whether the caller must present a client certificate that the gateway verified during the TLS handshake (mTLS);
    /// without one the request is answered 403. Needs <c>app.UseEdgeKitRouteTls()</c>. Default <see langword="false"/>.
    /// </summary>
    public bool RequireClientCertificate { get; set; }
}
