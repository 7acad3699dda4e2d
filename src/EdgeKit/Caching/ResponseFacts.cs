using EdgeKit.Configuration;

namespace EdgeKit.Caching;

/// <summary>The response header fields that decide caching, read once from whatever carries the response.</summary>
/// <remarks>
/// When the policy names targeted cache-control fields (RFC 9213) and the response carries a valid one, the first such
/// field's directives are in <see cref="Targeted"/>, and <c>Cache-Control</c> and <c>Expires</c> are ignored.
/// </remarks>
internal readonly record struct ResponseFacts(
    int StatusCode,
    string? CacheControl,
    string? Expires,
    string? Date,
    string? LastModified,
    string? ETag,
    string? Vary,
    string? Age,
    bool HasSetCookie,
    long? ContentLength,
    EdgeKit.Caching.CacheControl? Targeted = null)
{
    /// <summary>The directives that govern this response: the targeted field's, or else Cache-Control's.</summary>
    public EdgeKit.Caching.CacheControl Directives() => Targeted ?? EdgeKit.Caching.CacheControl.Parse(CacheControl);

    /// <summary>Reads the facts of a stored entry.</summary>
    public static ResponseFacts From(HttpCacheEntry entry, HttpCacheOptions options) => From(entry.StatusCode, entry.Headers, entry.Body.Length, options);

    /// <summary>Reads the facts of a response given as the header fields the cache would store.</summary>
    public static ResponseFacts From(int statusCode, IReadOnlyList<KeyValuePair<string, string[]>> headers, long? contentLength, HttpCacheOptions options)
    {
        string? cacheControl = HttpCacheEntry.GetHeader(headers, "Cache-Control");
        string? expires = HttpCacheEntry.GetHeader(headers, "Expires");
        EdgeKit.Caching.CacheControl? targeted = null;
        foreach (var field in options.TargetedCacheControlFields)
        {
            // RFC 9213 §2.2: the first field of the target list with a valid, non-empty value wins; Cache-Control and
            // Expires are then ignored.
            if (EdgeKit.Caching.CacheControl.TryParseTargeted(HttpCacheEntry.GetHeader(headers, field), out var directives))
            {
                targeted = directives;
                expires = null;
                break;
            }
        }

        return new(
            statusCode,
            cacheControl,
            expires,
            HttpCacheEntry.GetHeader(headers, "Date"),
            HttpCacheEntry.GetHeader(headers, "Last-Modified"),
            HttpCacheEntry.GetHeader(headers, "ETag"),
            HttpCacheEntry.GetHeader(headers, "Vary"),
            HttpCacheEntry.GetHeader(headers, "Age"),
            HttpCacheEntry.GetHeader(headers, "Set-Cookie") is not null,
            contentLength,
            targeted);
    }
}
