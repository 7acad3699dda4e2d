using System.Net;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// How EdgeKit's transport names a destination in its errors: <c>host:port</c>, an IPv6 literal in brackets
/// (<c>[::1]:port</c>) as <see cref="SocketsHttpHandler"/> shows it, never the ambiguous <c>::1:port</c>.
/// </summary>
public class Http1TransportMessagesTests
{
    private static async Task<Exception> Fail(HttpMessageInvoker invoker, string address)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, address + "/x") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var thrown = await invoker.Awaiting(i => i.SendAsync(request, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15))).Should().ThrowAsync<Exception>();
        return thrown.Which;
    }

    /// <summary>A socket bound to <paramref name="address"/> that never listens: a connect to it is refused at once.</summary>
    private static (Socket Socket, int Port) Refusing(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return (socket, ((IPEndPoint)socket.LocalEndPoint!).Port);
    }

    [IPv6LoopbackFact]
    public async Task A_refused_connect_to_an_IPv6_literal_names_it_in_brackets_like_SocketsHttpHandler()
    {
        var (socket, port) = Refusing(IPAddress.IPv6Loopback);
        using var _ = socket;
        string address = $"http://[::1]:{port}";
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));
        using var sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(new ClusterHttpClientOptions()));

        var actual = await Fail(edgeKit, address);
        var expected = await Fail(sockets, address);

        actual.Should().BeOfType<HttpRequestException>().Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);
        actual.Message.Should().Be($"Connection refused ([::1]:{port})");
        actual.Message.Should().Be(expected.Message, "the message reads as SocketsHttpHandler's");
        actual.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
    }

    [Fact]
    public async Task A_refused_connect_to_an_IPv4_address_names_host_and_port()
    {
        var (socket, port) = Refusing(IPAddress.Loopback);
        using var _ = socket;
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));

        using var sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(new ClusterHttpClientOptions()));

        var actual = await Fail(edgeKit, $"http://127.0.0.1:{port}");
        var expected = await Fail(sockets, $"http://127.0.0.1:{port}");

        actual.Message.Should().Be($"Connection refused (127.0.0.1:{port})").And.Be(expected.Message);
    }

    [IPv6LoopbackFact]
    public async Task A_failed_TLS_handshake_with_an_IPv6_literal_names_it_in_brackets()
    {
        // Accepts and hangs up at once: the client's TLS handshake reads the end of the stream.
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var hangUp = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var accepted = await listener.AcceptSocketAsync(stop.Token);
                    accepted.Close();
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));

        var actual = await Fail(edgeKit, $"https://[::1]:{port}");
        await stop.CancelAsync();

        actual.Should().BeOfType<HttpRequestException>().Which.HttpRequestError.Should().Be(HttpRequestError.SecureConnectionError);
        actual.Message.Should().StartWith($"The TLS handshake with [::1]:{port} failed: ");
        await hangUp.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [IPv6LoopbackFact]
    public async Task A_connect_timeout_to_an_IPv6_literal_names_it_in_brackets()
    {
        using var silent = await FullBacklogListener.StartAsync(IPAddress.IPv6Loopback);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }, time));

        var send = edgeKit.SendAsync(new HttpRequestMessage(HttpMethod.Get, silent.Address + "/x") { Version = HttpVersion.Version11 }, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));
        var thrown = await send.Awaiting(s => s.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowExactlyAsync<TaskCanceledException>();

        silent.Address.Should().StartWith("http://[::1]:");
        thrown.Which.InnerException.Should().BeOfType<TimeoutException>().Which.Message.Should().Be(
            $"A connection could not be established within the configured ConnectTimeout. Connecting to [::1]:{silent.Port} took longer than 5 s.");
    }
}
