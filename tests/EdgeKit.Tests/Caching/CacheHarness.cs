using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Caching;

/// <summary>
/// An HttpClient with an <see cref="HttpCachingHandler"/> in front of a scripted origin (no network), on a fake clock
/// that starts at a whole second, and a recorder of this cache's <c>edgekit.cache.requests</c>.
/// </summary>
internal sealed class CacheHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<string> _results = new();
    private int _originCalls;

    public CacheHarness(Action<HttpCacheOptions>? configure = null, IHttpCacheStore? store = null)
    {
        Name = "test-" + Guid.NewGuid().ToString("N");
        var options = new HttpCacheOptions();
        configure?.Invoke(options);
        Store = store ?? new MemoryHttpCacheStore(new MemoryHttpCacheStoreOptions(), Time);
        Handler = new HttpCachingHandler(Name, options, Store, Time) { InnerHandler = new OriginHandler(this) };
        Client = new HttpClient(Handler) { BaseAddress = new Uri("http://origin.test/") };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.cache.requests")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? policy = null, result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "edgekit.cache.policy") policy = tag.Value as string;
                if (tag.Key == "edgekit.cache.result") result = tag.Value as string;
            }

            if (policy == Name && result is not null)
            {
                _results.Enqueue(result);
            }
        });
        _listener.Start();
    }

    public string Name { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public IHttpCacheStore Store { get; }

    public HttpCachingHandler Handler { get; }

    public HttpClient Client { get; }

    /// <summary>How the origin answers; by default 200 "body".</summary>
    public Func<HttpRequestMessage, int, Task<HttpResponseMessage>> Origin { get; set; } = (_, _) => Task.FromResult(Ok("body"));

    /// <summary>Requests that reached the origin.</summary>
    public ConcurrentQueue<HttpRequestMessage> Received { get; } = new();

    public int OriginCalls => Volatile.Read(ref _originCalls);

    /// <summary>The recorded <c>edgekit.cache.result</c> tags, in order.</summary>
    public IReadOnlyList<string> Results => [.. _results];

    /// <summary>Answers every request with a 200 whose body is the call number and with <paramref name="headers"/>.</summary>
    public void Serve(params (string Name, string Value)[] headers) =>
        Origin = (_, call) =>
        {
            var response = Ok("v" + call);
            foreach (var (name, value) in headers)
            {
                if (!response.Headers.TryAddWithoutValidation(name, value))
                {
                    response.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return Task.FromResult(response);
        };

    public static HttpResponseMessage Ok(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body) };

    public static HttpResponseMessage Status(HttpStatusCode status, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent([]) };
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    /// <summary>Sends a GET with optional request headers and returns the response with its body read.</summary>
    public async Task<Answer> GetAsync(string path = "/r", params (string Name, string Value)[] headers) =>
        await SendAsync(HttpMethod.Get, path, headers);

    public async Task<Answer> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return new Answer((int)response.StatusCode, body,
            response.Headers.TryGetValues("Cache-Status", out var status) ? string.Join(", ", status) : null,
            response.Headers.TryGetValues("Age", out var age) ? string.Join(", ", age) : null,
            response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase));
    }

    public void Advance(double seconds) => Time.Advance(TimeSpan.FromSeconds(seconds));

    public void Dispose()
    {
        _listener.Dispose();
        Client.Dispose();
    }

    internal sealed record Answer(int Status, string Body, string? CacheStatus, string? Age, Dictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }

    private sealed class OriginHandler(CacheHarness harness) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            int call = Interlocked.Increment(ref harness._originCalls);
            var copy = new HttpRequestMessage(request.Method, request.RequestUri);
            foreach (var header in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            harness.Received.Enqueue(copy);
            var response = await harness.Origin(request, call);
            response.RequestMessage = request;
            if (response.Headers.Date is null)
            {
                response.Headers.Date = harness.Time.GetUtcNow();
            }

            return response;
        }
    }
}
