using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using EdgeKit.AspNetCore.Transport;

namespace EdgeKit.Benchmarks;

/// <summary>
/// EdgeKit's HTTP/1.1 transport (issue 20), without a socket: writing a typical forwarded GET's head from the
/// <see cref="HttpRequestMessage"/> the forwarder builds, and parsing a typical small JSON response's head into an
/// <see cref="HttpResponseMessage"/>. The head writer should allocate nothing; the parser allocates the response message,
/// its header store and one string per value, except into a connection's spare response with its field cache.
/// </summary>
[MemoryDiagnoser]
public class Http1TransportBenchmarks
{
    private static readonly byte[] s_response = System.Text.Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Sun, 06 Dec 2026 05:00:00 GMT\r\nServer: Kestrel\r\nContent-Length: 17\r\n\r\n");

    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private readonly HttpRequestMessage _request = new(HttpMethod.Get, "http://10.0.0.11:8080/orders/42?expand=lines");
    private readonly Http1FieldCache _fields = new();
    private Http1Response? _spare;
    private byte[] _hostField = null!;

    [GlobalSetup]
    public void Setup()
    {
        _hostField = Http1RequestWriter.HostField(_request.RequestUri!);
        _request.Headers.TryAddWithoutValidation("Accept", "application/json");
        _request.Headers.TryAddWithoutValidation("User-Agent", "wrk");
        _request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.0.0.7");
        _request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");
        _request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "api.example.com");
        _request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }

    [Benchmark]
    public int WriteRequestHead()
    {
        _writer.ResetWrittenCount();
        Http1RequestWriter.WriteHead(_writer, _request, _request.RequestUri!, _hostField, out _);
        return _writer.WrittenCount;
    }

    [Benchmark]
    public int ParseResponseHead()
    {
        Http1ResponseParser.TryReadHead(new ReadOnlySequence<byte>(s_response), _request, null, null, out _, out var response, out int status, out _, out _, out _);
        response!.Dispose();
        return status;
    }

    /// <summary>As a connection parses its next response: into its emptied spare, with the last response's field strings.</summary>
    [Benchmark]
    public int ParseResponseHeadIntoSpare()
    {
        Http1ResponseParser.TryReadHead(new ReadOnlySequence<byte>(s_response), _request, _spare, _fields, out _, out var response, out int status, out _, out _, out _);
        response!.Reset();
        _spare = response;
        return status;
    }
}
