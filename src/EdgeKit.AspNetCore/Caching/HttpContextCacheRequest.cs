using EdgeKit.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace EdgeKit.AspNetCore.Caching;

/// <summary>An ASP.NET request as the cache sees it.</summary>
internal sealed class HttpContextCacheRequest(HttpRequest request) : CacheRequest
{
    public override string Method { get; } = request.Method.ToUpperInvariant();

    public override string AbsoluteUri { get; } = request.GetEncodedUrl();

    public override string? GetHeader(string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0
            ? values.Count == 1 ? values[0] : string.Join(", ", values.ToArray())
            : null;
}
