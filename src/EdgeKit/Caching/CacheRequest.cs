namespace EdgeKit.Caching;

/// <summary>
/// What an <see cref="HttpCache"/> needs of a request, whatever carries it: a host derives one from its own request
/// type (EdgeKit has one over <c>HttpRequestMessage</c> and one over ASP.NET's <c>HttpRequest</c>) and creates one per
/// request.
/// </summary>
/// <remarks>The cache reads the request's fields through <see cref="GetHeader"/> while it decides; it keeps no reference.</remarks>
public abstract class CacheRequest
{
    private CacheControl? _cacheControl;

    /// <summary>Creates the view of one request.</summary>
    protected CacheRequest()
    {
    }

    /// <summary>The method, upper case (GET, HEAD, POST, ...).</summary>
    public abstract string Method { get; }

    /// <summary>The absolute target URI: scheme, authority, path and query, escaped (the cache keys and invalidates by it).</summary>
    public abstract string AbsoluteUri { get; }

    /// <summary>The values of a request header field joined by ", ", or null when the request has none.</summary>
    /// <param name="name">The field name, compared case-insensitively.</param>
    /// <returns>The combined value or null.</returns>
    public abstract string? GetHeader(string name);

    /// <summary>The request's Cache-Control directives (with <c>Pragma: no-cache</c> read as <c>no-cache</c> when Cache-Control is absent).</summary>
    internal CacheControl CacheControl => _cacheControl ??= ReadCacheControl();

    /// <summary>Whether the request carries credentials (RFC 9111 §3.5).</summary>
    internal bool HasAuthorization => GetHeader("Authorization") is not null;

    /// <summary>
    /// Whether the request has preconditions only an origin server evaluates (<c>If-Match</c>, <c>If-Unmodified-Since</c>;
    /// RFC 9111 §4.3.2): the cache then forwards them as they are and adds no validators of its own.
    /// </summary>
    internal bool HasOriginPreconditions => GetHeader("If-Match") is not null || GetHeader("If-Unmodified-Since") is not null;

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
