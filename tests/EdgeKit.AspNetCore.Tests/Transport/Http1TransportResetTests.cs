using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: a backend that resets its connection (RST) fails the exchange with the same exceptions on the cleartext
/// transport's socket pipes as it did over a <see cref="NetworkStream"/>: the gateway's 502 and <c>error.type</c> come from
/// these (the top exception's <see cref="HttpRequestError"/>), and logs show the inner ones.
/// </summary>
public sealed class Http1TransportResetTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static HttpRequestMessage Get(int port) => new(HttpMethod.Get, $"http://127.0.0.1:{port}/x") { Version = HttpVersion.Version11 };

    /// <summary>Accepts one connection, reads the request head, writes <paramref name="reply"/>, waits for <paramref name="resetWhen"/>, then resets.</summary>
    private static async Task ServeThenResetAsync(Socket listener, string reply, Task resetWhen)
    {
        using var socket = await listener.AcceptAsync().WaitAsync(HangGuard);
        var buffer = new byte[4096];
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(HangGuard);
            if (read == 0)
            {
                return;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        if (reply.Length > 0)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(reply).AsMemory()).AsTask().WaitAsync(HangGuard);
        }

        await resetWhen.WaitAsync(HangGuard);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        return listener;
    }

    [Fact]
    public async Task A_reset_before_any_response_byte_fails_the_send_with_the_connection_reset_inside()
    {
        using var listener = Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var backend = ServeThenResetAsync(listener, "", Task.CompletedTask);
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        var thrown = await handler.Awaiting(h => h.SendDirectAsync(Get(port), CancellationToken.None).AsTask().WaitAsync(HangGuard))
            .Should().ThrowExactlyAsync<HttpRequestException>();

        await backend;
        thrown.Which.HttpRequestError.Should().Be(HttpRequestError.Unknown);
        thrown.Which.Message.Should().Be("The connection to the backend failed before any response byte arrived.");
        var io = thrown.Which.InnerException.Should().BeOfType<IOException>().Which;
        io.Message.Should().Be("Unable to read data from the transport connection: Connection reset by peer.");
        io.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        EdgeKit.Destinations.RequestErrorTypes.FromException(thrown.Which).Should().Be(EdgeKit.Destinations.RequestErrorTypes.TransportError);
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_the_body_fails_the_body_read_with_the_connection_reset_inside()
    {
        using var listener = Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var headRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = ServeThenResetAsync(listener, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", headRead.Task);
        using var handler = new Http1Handler(new ClusterHttpClientOptions());

        using var response = await handler.SendDirectAsync(Get(port), CancellationToken.None).AsTask().WaitAsync(HangGuard);
        headRead.SetResult();
        await backend;
        var body = response.Content.ReadAsStream();
        var buffer = new byte[64];
        var received = new StringBuilder();
        Func<Task> readToEnd = async () =>
        {
            int read;
            while ((read = await body.ReadAsync(buffer).AsTask().WaitAsync(HangGuard)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        };

        var thrown = await readToEnd.Should().ThrowExactlyAsync<HttpIOException>();

        received.ToString().Should().Be("half");
        thrown.Which.HttpRequestError.Should().Be(HttpRequestError.ResponseEnded);
        thrown.Which.Message.Should().Be("Reading the backend's response body failed. (ResponseEnded)");
        var io = thrown.Which.InnerException.Should().BeOfType<IOException>().Which;
        io.Message.Should().Be("Unable to read data from the transport connection: Connection reset by peer.");
        io.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
    }
}
