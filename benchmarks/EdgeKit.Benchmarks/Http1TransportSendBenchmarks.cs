using System.Net;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;

namespace EdgeKit.Benchmarks;

/// <summary>
/// One forwarded GET through a backend transport in steady state (issue 20), against a loopback backend that answers a
/// 15-byte JSON body: send the forwarder's reused request message, read the response body to its end, dispose the
/// response. <see cref="SocketsHttpHandler"/> (as the gateway builds it) is the baseline; EdgeKit's own transport is
/// measured through <see cref="HttpMessageInvoker"/> (what retried routes and other callers use) and through the
/// forwarder's direct seam (<see cref="Http1Handler.SendDirectAsync"/>, what a route without retries uses).
/// </summary>
/// <remarks>
/// The backend answers on blocking threads and allocates nothing, and the benchmark's own frame is a pooled
/// <see cref="ValueTask{TResult}"/>: the allocated bytes are the transport's. One cancellable token (as the forwarder's
/// pooled per-request source) is passed to every send.
/// </remarks>
[MemoryDiagnoser]
public class Http1TransportSendBenchmarks
{
    private readonly byte[] _buffer = new byte[4096];
    private readonly CancellationTokenSource _cancellation = new();
    private LoopbackHttpBackend _backend = null!;
    private HttpMessageInvoker _sockets = null!;
    private HttpMessageInvoker _edgeKit = null!;
    private Http1Handler _direct = null!;
    private HttpRequestMessage _socketsRequest = null!;
    private HttpRequestMessage _edgeKitRequest = null!;
    private HttpRequestMessage _directRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new LoopbackHttpBackend();
        var options = new ClusterHttpClientOptions();
        _sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(options), disposeHandler: true);
        _edgeKit = new HttpMessageInvoker(new Http1Handler(options), disposeHandler: true);
        _direct = new Http1Handler(options);
        _socketsRequest = ForwardedGet(_backend.Address);
        _edgeKitRequest = ForwardedGet(_backend.Address);
        _directRequest = ForwardedGet(_backend.Address);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sockets.Dispose();
        _edgeKit.Dispose();
        _direct.Dispose();
        _backend.Dispose();
    }

    /// <summary>A GET as the forwarder sends it: HTTP/1.1, the client's headers and the X-Forwarded-* set.</summary>
    internal static HttpRequestMessage ForwardedGet(string address)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, address + "/orders/42?expand=lines")
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", "wrk");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.0.0.7");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "api.example.com");
        return request;
    }

    [Benchmark(Baseline = true)]
    public ValueTask<int> SocketsHttpHandler() => ReadAsync(new(_sockets.SendAsync(_socketsRequest, _cancellation.Token)), _buffer, _cancellation.Token);

    [Benchmark]
    public ValueTask<int> EdgeKitThroughInvoker() => ReadAsync(new(_edgeKit.SendAsync(_edgeKitRequest, _cancellation.Token)), _buffer, _cancellation.Token);

    [Benchmark]
    public ValueTask<int> EdgeKitDirect() => ReadAsync(_direct.SendDirectAsync(_directRequest, _cancellation.Token), _buffer, _cancellation.Token);

    /// <summary>
    /// The forwarder's body path before the small-response fast path: a zero-byte wait, then <see cref="EdgeKit.AspNetCore.Forwarding.StreamCopier"/>
    /// (pooled 64 KiB buffer, reads until the end, a write and a flush per read) into a stream that takes the bytes.
    /// </summary>
    [Benchmark]
    public ValueTask<long> EdgeKitDirectCopied() => CopyAsync(_direct.SendDirectAsync(_directRequest, _cancellation.Token), _cancellation.Token);

    /// <summary>The small-response fast path: the whole body taken from the connection's buffer, one write, the connection back to its pool.</summary>
    [Benchmark]
    public ValueTask<long> EdgeKitDirectBuffered() => WriteBufferedAsync(_direct.SendDirectAsync(_directRequest, _cancellation.Token), _cancellation.Token);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> CopyAsync(ValueTask<HttpResponseMessage> send, CancellationToken cancellationToken)
    {
        using var response = await send.ConfigureAwait(false);
        var stream = response.Content.ReadAsStream(cancellationToken);
        await stream.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        var (_, _, bytes) = await EdgeKit.AspNetCore.Forwarding.StreamCopier.CopyAsync(stream, Stream.Null, null, cancellationToken, sourceReady: true).ConfigureAwait(false);
        return bytes;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> WriteBufferedAsync(ValueTask<HttpResponseMessage> send, CancellationToken cancellationToken)
    {
        using var response = await send.ConfigureAwait(false);
        var body = ((Http1Response)response).Body.Stream!;
        if (!body.TryTakeBufferedBody(out var buffered))
        {
            throw new InvalidOperationException("The loopback backend's body did not come with its head.");
        }

        try
        {
            foreach (var segment in buffered)
            {
                await Stream.Null.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            body.EndBufferedBody(buffered);
        }

        return buffered.Length;
    }
    /// <summary>Awaits the response, reads its body to the end as the forwarder does (a zero-byte wait, then reads), disposes it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal static async ValueTask<int> ReadAsync(ValueTask<HttpResponseMessage> send, byte[] buffer, CancellationToken cancellationToken)
    {
        using var response = await send.ConfigureAwait(false);
        var stream = response.Content.ReadAsStream(cancellationToken);
        await stream.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        int total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }
}
