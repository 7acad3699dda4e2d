using System.Net;
using BenchmarkDotNet.Attributes;
using EdgeKit.Caching;
using EdgeKit.Configuration;

namespace EdgeKit.Benchmarks;

/// <summary>
/// A GET answered from the cache by <see cref="HttpCachingHandler"/> (every call a fresh hit from the in-memory
/// store), against a terminal handler that builds the same 1 KiB response itself (the baseline), both through
/// <see cref="HttpMessageInvoker"/>. The difference is the cost of a hit: key, lookup, freshness and age, and a
/// response rebuilt from the entry (headers copied, body shared, Age and Cache-Status added). No telemetry listener.
/// </summary>
[MemoryDiagnoser]
public class CachingHandlerBenchmarks
{
    private static readonly byte[] s_body = new byte[1024];

    private HttpMessageInvoker _terminalOnly = null!;
    private HttpMessageInvoker _cached = null!;
    private HttpRequestMessage _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _terminalOnly = new HttpMessageInvoker(new OriginHandler(), disposeHandler: true);
        var handler = new HttpCachingHandler("bench", new HttpCacheOptions(), new MemoryHttpCacheStore(), TimeProvider.System)
        {
            InnerHandler = new OriginHandler(),
        };
        _cached = new HttpMessageInvoker(handler, disposeHandler: true);
        _request = new HttpRequestMessage(HttpMethod.Get, "http://orders/api/items/42?page=2");
        _cached.SendAsync(_request, CancellationToken.None).GetAwaiter().GetResult().Dispose(); // stored: every benchmark call hits
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _terminalOnly.Dispose();
        _cached.Dispose();
        _request.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Terminal handler builds the response")]
    public async Task Terminal()
    {
        using var response = await _terminalOnly.SendAsync(_request, CancellationToken.None);
    }

    [Benchmark(Description = "HttpCachingHandler hit")]
    public async Task CacheHit()
    {
        using var response = await _cached.SendAsync(_request, CancellationToken.None);
    }

    /// <summary>Answers like a backend would: status, a few headers, a 1 KiB body.</summary>
    private sealed class OriginHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent(s_body) };
            response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=3600");
            response.Headers.TryAddWithoutValidation("ETag", "\"abc\"");
            response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            return Task.FromResult(response);
        }
    }
}
