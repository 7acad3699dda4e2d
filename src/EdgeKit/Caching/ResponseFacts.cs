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
    public static ResponseFacts From(HttpCacheEntry entry) => new(
        entry.StatusCode,
        entry.GetHeader("Cache-Control"),
        entry.GetHeader("Expires"),
        entry.GetHeader("Date"),
        entry.GetHeader("Last-Modified"),
        entry.GetHeader("ETag"),
        entry.GetHeader("Vary"),
        entry.GetHeader("Age"),
        entry.GetHeader("Set-Cookie") is not null,
        entry.Body.Length);
}
