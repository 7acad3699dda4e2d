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

    /// <summary>
    /// Whether the request has preconditions only an origin server evaluates (<c>If-Match</c>, <c>If-Unmodified-Since</c>;
    /// RFC 9111 §4.3.2): the cache then forwards them as they are and adds no validators of its own.
    /// </summary>
    public bool HasOriginPreconditions => GetHeader("If-Match") is not null || GetHeader("If-Unmodified-Since") is not null;

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
