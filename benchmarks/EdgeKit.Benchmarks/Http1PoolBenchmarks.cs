using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;

namespace EdgeKit.Benchmarks;

/// <summary>
/// One GET round trip through EdgeKit's HTTP/1.1 transport on a kept-alive connection to a minimal backend on
/// 127.0.0.1 (a raw socket that answers each request head with the same bytes): without a connection limit (the
/// baseline) and with <c>MaxConnectionsPerServer</c> set but not reached. The limit is a lock-free permit count, so the
/// two should allocate the same (issue 20: a request that does not wait must not allocate for the limit).
/// </summary>
[MemoryDiagnoser]
public class Http1PoolBenchmarks
{
    private static readonly byte[] s_response = "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"status\":\"ok\"}\r\n"u8.ToArray();

    private readonly byte[] _read = new byte[16];
    private Socket _listener = null!;
    private Task _serving = Task.CompletedTask;
    private HttpMessageInvoker _unlimited = null!;
    private HttpMessageInvoker _limited = null!;
    private Uri _uri = null!;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/orders/42");
        _serving = Task.Run(ServeAsync);
        _unlimited = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));
        _limited = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions { MaxConnectionsPerServer = 4 }));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _unlimited.Dispose();
        _limited.Dispose();
        _listener.Dispose();
        _ = _serving.Exception;
    }

    [Benchmark(Baseline = true)]
    public Task<int> WithoutLimit() => RoundTrip(_unlimited);

    [Benchmark]
    public Task<int> WithLimitNotReached() => RoundTrip(_limited);

    private async Task<int> RoundTrip(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        int total = 0;
        int read;
        while ((read = await body.ReadAsync(_read).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            var socket = await _listener.AcceptAsync().ConfigureAwait(false);
            _ = Task.Run(() => AnswerAsync(socket));
        }
    }

    /// <summary>Answers every request head (a GET without a body: up to its empty line) with <see cref="s_response"/>.</summary>
    private static async Task AnswerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        int matched = 0;
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                for (int i = 0; i < read; i++)
                {
                    byte b = buffer[i];
                    matched = b == (matched is 0 or 2 ? (byte)'\r' : (byte)'\n') ? matched + 1 : b == '\r' ? 1 : 0;
                    if (matched == 4)
                    {
                        matched = 0;
                        await socket.SendAsync(s_response, SocketFlags.None).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
