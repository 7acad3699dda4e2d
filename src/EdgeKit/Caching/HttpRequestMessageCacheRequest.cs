using System.Net.Http.Headers;

namespace EdgeKit.Caching;

/// <summary>An <see cref="HttpRequestMessage"/> as the cache sees it.</summary>
internal sealed class HttpRequestMessageCacheRequest : CacheRequest
{
    private readonly HttpRequestMessage _request;

    public HttpRequestMessageCacheRequest(HttpRequestMessage request)
    {
        _request = request;
        Method = request.Method.Method.ToUpperInvariant();
        AbsoluteUri = request.RequestUri is { IsAbsoluteUri: true } uri
            ? uri.AbsoluteUri
            : throw new InvalidOperationException("The EdgeKit caching handler needs an absolute request URI (set the HttpClient's BaseAddress).");
    }

    public override string Method { get; }

    public override string AbsoluteUri { get; }

    public override string? GetHeader(string name) => Join(_request.Headers, name) ?? (_request.Content is { } content ? Join(content.Headers, name) : null);

    internal static string? Join(HttpHeaders headers, string name)
    {
        if (!headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        if (values.Count == 1)
        {
            foreach (var v in values)
            {
                return v;
            }
        }

        return string.Join(", ", values);
    }
}
