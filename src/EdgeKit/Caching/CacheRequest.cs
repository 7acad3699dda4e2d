namespace EdgeKit.Caching;

/// <summary>
/// What the cache needs of a request, whatever carries it (an <c>HttpRequestMessage</c> or an ASP.NET request).
/// </summary>
internal abstract class CacheRequest
{
    private CacheControl? _cacheControl;

    /// <summary>The method, upper case (GET, HEAD, POST, ...).</summary>
    public abstract string Method { get; }

    /// <summary>The absolute target URI: scheme, authority, path and query.</summary>
    public abstract string AbsoluteUri { get; }

    /// <summary>The values of a request header joined by ", ", or null when absent.</summary>
    public abstract string? GetHeader(string name);

    /// <summary>The request's Cache-Control directives (with <c>Pragma: no-cache</c> read as <c>no-cache</c> when Cache-Control is absent).</summary>
    public CacheControl CacheControl => _cacheControl ??= ReadCacheControl();

    /// <summary>Whether the request carries credentials (RFC 9111 §3.5).</summary>
    public bool HasAuthorization => GetHeader("Authorization") is not null;

    /// <summary>Whether the client makes its own conditional request, in which case the cache does not add one.</summary>
    public bool IsConditional =>
        GetHeader("If-None-Match") is not null || GetHeader("If-Modified-Since") is not null
        || GetHeader("If-Match") is not null || GetHeader("If-Unmodified-Since") is not null || GetHeader("If-Range") is not null;

    private CacheControl ReadCacheControl()
    {
        string? value = GetHeader("Cache-Control");
        if (value is null)
        {
            // RFC 9111 §5.4: Pragma: no-cache means Cache-Control: no-cache when Cache-Control is absent.
            string? pragma = GetHeader("Pragma");
            return pragma is not null && pragma.Contains("no-cache", StringComparison.OrdinalIgnoreCase)
                ? CacheControl.Parse("no-cache")
                : CacheControl.Empty;
        }

        return CacheControl.Parse(value);
    }
}
