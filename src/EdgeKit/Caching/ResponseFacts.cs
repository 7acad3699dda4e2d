namespace EdgeKit.Caching;

/// <summary>The response header fields that decide caching, read once from whatever carries the response.</summary>
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
    long? ContentLength)
{
    /// <summary>Reads the facts of a stored entry.</summary>
    public static ResponseFacts From(HttpCacheEntry entry) => From(entry.StatusCode, entry.Headers, entry.Body.Length);

    /// <summary>Reads the facts of a response given as the header fields the cache would store.</summary>
    public static ResponseFacts From(int statusCode, IReadOnlyList<KeyValuePair<string, string[]>> headers, long? contentLength) => new(
        statusCode,
        HttpCacheEntry.GetHeader(headers, "Cache-Control"),
        HttpCacheEntry.GetHeader(headers, "Expires"),
        HttpCacheEntry.GetHeader(headers, "Date"),
        HttpCacheEntry.GetHeader(headers, "Last-Modified"),
        HttpCacheEntry.GetHeader(headers, "ETag"),
        HttpCacheEntry.GetHeader(headers, "Vary"),
        HttpCacheEntry.GetHeader(headers, "Age"),
        HttpCacheEntry.GetHeader(headers, "Set-Cookie") is not null,
        contentLength);
}
