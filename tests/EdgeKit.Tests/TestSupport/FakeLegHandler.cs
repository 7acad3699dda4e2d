using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// An in-memory backend for aggregation tests: answers by request path (without the query), records every request
/// (method, URI, headers, body) and the most requests it ever held in flight at once per path prefix.
/// </summary>
internal sealed class FakeLegHandler : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _routes = new();
    private readonly ConcurrentQueue<ReceivedLeg> _received = new();
    private readonly SemaphoreSlim _arrivals = new(0);
    private int _inFlight;
    private int _maxInFlight;

    public IReadOnlyList<ReceivedLeg> Received => [.. _received];

    /// <summary>The most requests in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Answers <paramref name="path"/> (or every path starting with it, when it ends with '*').</summary>
    public FakeLegHandler On(string path, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond)
    {
        _routes[path] = respond;
        return this;
    }

    public FakeLegHandler OnJson(string path, string json, HttpStatusCode status = HttpStatusCode.OK, string? cacheControl = null) =>
        On(path, (_, _) => Task.FromResult(Json(json, status, cacheControl)));

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK, string? cacheControl = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (cacheControl is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        return response;
    }

    public async Task WaitForRequestsAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!await _arrivals.WaitAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException($"Only {i} of {count} expected requests arrived.");
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        _received.Enqueue(new ReceivedLeg(request.Method.Method, request.RequestUri!.ToString(),
            request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase), body,
            request.Content?.Headers.ContentType?.ToString()));
        string path = request.RequestUri.AbsolutePath;
        var respond = _routes.TryGetValue(path, out var exact) ? exact
            : _routes.Where(r => r.Key.EndsWith('*') && path.StartsWith(r.Key[..^1], StringComparison.Ordinal)).Select(r => r.Value).FirstOrDefault();
        int now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
        {
        }

        _arrivals.Release();
        try
        {
            var response = respond is null ? new HttpResponseMessage(HttpStatusCode.NotFound) : await respond(request, cancellationToken);
            response.RequestMessage = request;
            return response;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}

/// <summary>One request a <see cref="FakeLegHandler"/> received.</summary>
internal sealed record ReceivedLeg(string Method, string Uri, IReadOnlyDictionary<string, string> Headers, string? Body, string? ContentType);
