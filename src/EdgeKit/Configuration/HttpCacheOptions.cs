namespace EdgeKit.Configuration;

/// <summary>
/// How an EdgeKit HTTP cache (the HttpClient handler or a gateway cache policy) stores and serves responses.
/// The semantics are RFC 9111's; these options only bound and tune them.
/// </summary>
public sealed class HttpCacheOptions
{
    /// <summary>The largest <see cref="MaximumEntrySize"/> allowed: 1 GiB.</summary>
    public const long MaxAllowedEntrySize = 1L << 30;

    /// <summary>Shared (the default) or private cache semantics.</summary>
    public HttpCacheMode Mode { get; set; } = HttpCacheMode.Shared;

    /// <summary>
    /// The largest response body, in bytes, that is stored (default 1 MiB). A larger response is passed through
    /// unbuffered and not stored. Between 0 and <see cref="MaxAllowedEntrySize"/>.
    /// </summary>
    public long MaximumEntrySize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Whether concurrent misses for the same key make a single backend call, the other requests waiting for its
    /// response (default <see langword="true"/>). See docs/caching.md for what happens when that call fails.
    /// </summary>
    public bool CoalesceRequests { get; set; } = true;

    /// <summary>
    /// For responses without explicit freshness but with <c>Last-Modified</c>, the fraction of the time since that
    /// modification used as their freshness lifetime (RFC 9111 §4.2.2; default 0.1). 0 turns heuristic freshness off.
    /// Between 0 and 1.
    /// </summary>
    public double HeuristicFreshnessFraction { get; set; } = 0.1;

    /// <summary>The upper bound of a heuristic freshness lifetime (default 1 day).</summary>
    public TimeSpan MaximumHeuristicFreshness { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a response is kept after it becomes stale (and after its <c>stale-while-revalidate</c>/<c>stale-if-error</c>
    /// windows): a response with a validator (<c>ETag</c> or <c>Last-Modified</c>) can then be revalidated with a cheap
    /// conditional request, and any response can answer a request with <c>max-stale</c> or <c>stale-if-error</c>
    /// (default 10 minutes). Zero drops entries as soon as no response directive lets them be served.
    /// </summary>
    public TimeSpan StaleRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether a shared cache stores responses that carry <c>Set-Cookie</c> (default <see langword="false"/>: another
    /// user would receive the cookie). RFC 9111 allows it; a private cache always may.
    /// </summary>
    public bool StoreResponsesWithSetCookie { get; set; }

    /// <summary>
    /// The time limit of a background revalidation started by <c>stale-while-revalidate</c> (default 30 seconds).
    /// </summary>
    public TimeSpan BackgroundRevalidationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a <c>Cache-Status</c> header (RFC 9211) is added to every response (default <see langword="true"/>).
    /// </summary>
    public bool AddCacheStatusHeader { get; set; } = true;

    /// <summary>The cache's name in <c>Cache-Status</c> (default <c>EdgeKit</c>): a token, no spaces or separators.</summary>
    public string CacheStatusName { get; set; } = "EdgeKit";

    /// <summary>
    /// Targeted cache-control fields (RFC 9213) this cache obeys, in precedence order; empty (the default) obeys none.
    /// For a gateway acting as a CDN: <c>["EdgeKit-Cache-Control", "CDN-Cache-Control"]</c>. When a response carries a
    /// valid, non-empty field of this list, the first one's directives (<c>max-age</c>, <c>s-maxage</c>, <c>no-store</c>,
    /// <c>no-cache</c>, <c>private</c>, ...) replace its <c>Cache-Control</c> and <c>Expires</c> for this cache; an invalid
    /// one (not a Structured Fields dictionary) is ignored. Each name is a header field name other than <c>Cache-Control</c>.
    /// </summary>
    public IList<string> TargetedCacheControlFields { get; set; } = [];
}
