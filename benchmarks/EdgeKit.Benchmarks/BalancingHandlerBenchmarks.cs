using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EdgeKit.Client;
using EdgeKit.Destinations;

namespace EdgeKit.Benchmarks;

/// <summary>
/// A request through <see cref="BalancingHandler"/> to a terminal handler that answers at once with a cached,
/// completed task, against the terminal handler alone (the baseline of each category), both through
/// <see cref="HttpMessageInvoker"/>. The difference is the handler's whole cost: timestamp, pick, URI rewrite,
/// in-flight and latency bookkeeping, outcome. No telemetry listener is attached.
/// </summary>
/// <remarks>
/// The cluster has three destinations and the default strategy (PowerOfTwoChoices). One request message is
/// reused; each call first sets its logical URI, on both sides. Categories:
/// <list type="bullet">
/// <item><c>SameUri</c>: one <see cref="Uri"/> instance every time: the rewrite cache hits by reference.</item>
/// <item><c>EqualUriText</c>: two <see cref="Uri"/> instances with the same text, alternating, as when HttpClient
/// builds a new Uri per request from the same string: the cache hits by comparing the text.</item>
/// <item><c>DistinctPaths</c>: 4,096 different paths in turn: the cache always misses and a URI is built.</item>
/// </list>
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BalancingHandlerBenchmarks
{
    private const int DistinctCount = 4096;

    private HttpMessageInvoker _terminalOnly = null!;
    private HttpMessageInvoker _balanced = null!;
    private HttpRequestMessage _request = null!;
    private Uri _uri = null!;
    private Uri[] _equalText = null!;
    private Uri[] _distinct = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var destinations = Enumerable.Range(0, 3)
            .Select(i => new Destination($"d{i}", new Uri($"http://backend-{i}.bench.invalid:8080")));
        var cluster = new Cluster("orders", destinations);
        _terminalOnly = new HttpMessageInvoker(new CompletedHandler(), disposeHandler: true);
        _balanced = new HttpMessageInvoker(new BalancingHandler(cluster, new CompletedHandler()), disposeHandler: true);

        const string text = "http://orders/api/items?page=2";
        _uri = new Uri(text);
        _equalText = [new Uri(text), new Uri(text)];
        _distinct = Enumerable.Range(0, DistinctCount).Select(i => new Uri($"http://orders/api/items/{i}?page=2")).ToArray();
        _request = new HttpRequestMessage(HttpMethod.Get, _uri);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _terminalOnly.Dispose();
        _balanced.Dispose();
        _request.Dispose();
    }

    [BenchmarkCategory("SameUri"), Benchmark(Baseline = true, Description = "Terminal handler alone")]
    public Task<HttpResponseMessage> SameUriTerminal()
    {
        _request.RequestUri = _uri;
        return _terminalOnly.SendAsync(_request, CancellationToken.None);
    }

    [BenchmarkCategory("SameUri"), Benchmark(Description = "BalancingHandler + terminal")]
    public Task<HttpResponseMessage> SameUriBalanced()
    {
        _request.RequestUri = _uri;
        return _balanced.SendAsync(_request, CancellationToken.None);
    }

    [BenchmarkCategory("EqualUriText"), Benchmark(Baseline = true, Description = "Terminal handler alone")]
    public Task<HttpResponseMessage> EqualUriTextTerminal()
    {
        _request.RequestUri = _equalText[_next++ & 1];
        return _terminalOnly.SendAsync(_request, CancellationToken.None);
    }

    [BenchmarkCategory("EqualUriText"), Benchmark(Description = "BalancingHandler + terminal")]
    public Task<HttpResponseMessage> EqualUriTextBalanced()
    {
        _request.RequestUri = _equalText[_next++ & 1];
        return _balanced.SendAsync(_request, CancellationToken.None);
    }

    [BenchmarkCategory("DistinctPaths"), Benchmark(Baseline = true, Description = "Terminal handler alone")]
    public Task<HttpResponseMessage> DistinctPathsTerminal()
    {
        _request.RequestUri = _distinct[_next++ & (DistinctCount - 1)];
        return _terminalOnly.SendAsync(_request, CancellationToken.None);
    }

    [BenchmarkCategory("DistinctPaths"), Benchmark(Description = "BalancingHandler + terminal")]
    public Task<HttpResponseMessage> DistinctPathsBalanced()
    {
        _request.RequestUri = _distinct[_next++ & (DistinctCount - 1)];
        return _balanced.SendAsync(_request, CancellationToken.None);
    }

    /// <summary>Answers every request at once with the same completed task: no network, no allocation.</summary>
    private sealed class CompletedHandler : HttpMessageHandler
    {
        private readonly Task<HttpResponseMessage> _response = Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _response;

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => _response.Result;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _response.Result.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
