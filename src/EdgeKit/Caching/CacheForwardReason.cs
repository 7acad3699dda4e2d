namespace EdgeKit.Caching;

/// <summary>Why a request goes to the backend: the RFC 9211 <c>fwd</c> parameter of <c>Cache-Status</c>.</summary>
public enum CacheForwardReason
{
    /// <summary>Not forwarded (served from the cache, or refused).</summary>
    None,

    /// <summary>Nothing is stored for the target URI (<c>fwd=miss</c>).</summary>
    UriMiss,

    /// <summary>Responses are stored for the URI, but none for the request's values of the <c>Vary</c> fields (<c>fwd=vary-miss</c>).</summary>
    VaryMiss,

    /// <summary>The stored response is stale or must be revalidated (<c>fwd=stale</c>).</summary>
    Stale,

    /// <summary>The request's own directives or fields forbid using what is stored (<c>fwd=request</c>).</summary>
    Request,

    /// <summary>The request's method is not one the cache answers (<c>fwd=method</c>).</summary>
    Method,
}
