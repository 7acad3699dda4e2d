using System.Net;
using System.Net.Sockets;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>Two connected TCP sockets on 127.0.0.1: <see cref="Local"/> (the transport's side) and <see cref="Peer"/> (the backend's).</summary>
public sealed class LoopbackSocketPair : IDisposable
{
    private LoopbackSocketPair(Socket local, Socket peer)
    {
        Local = local;
        Peer = peer;
    }

    public Socket Local { get; }

    public Socket Peer { get; }

    public static async Task<LoopbackSocketPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await local.ConnectAsync(listener.LocalEndPoint!).WaitAsync(TimeSpan.FromSeconds(10));
        var peer = await accept.WaitAsync(TimeSpan.FromSeconds(10));
        return new LoopbackSocketPair(local, peer);
    }

    /// <summary>
    /// A pair whose <see cref="Local"/> socket was connected synchronously, so .NET's socket engine never registered it
    /// (what <see cref="EdgeKit.AspNetCore.Transport.Epoll.EpollSocket.Create"/> needs).
    /// </summary>
    public static async Task<LoopbackSocketPair> ConnectUnregisteredAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        // The listener's backlog completes the handshake: a blocking connect returns at once.
        local.Connect(listener.LocalEndPoint!);
        var peer = await accept.WaitAsync(TimeSpan.FromSeconds(10));
        return new LoopbackSocketPair(local, peer);
    }

    /// <summary>The peer sends <paramref name="bytes"/> (all of them).</summary>
    public async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await Peer.SendAsync(bytes.AsMemory(sent)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public Task SendAsync(string text) => SendAsync(System.Text.Encoding.ASCII.GetBytes(text));

    /// <summary>The peer reads exactly <paramref name="count"/> bytes.</summary>
    public async Task<byte[]> ReceiveAsync(int count)
    {
        var bytes = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await Peer.ReceiveAsync(bytes.AsMemory(read)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (n == 0)
            {
                throw new EndOfStreamException($"The connection ended after {read} of {count} bytes.");
            }

            read += n;
        }

        return bytes;
    }

    /// <summary>The peer aborts the connection: a close with zero linger sends a reset (RST), not a FIN.</summary>
    public void ResetByPeer()
    {
        Peer.LingerState = new LingerOption(true, 0);
        Peer.Close();
    }

    /// <summary>Waits (hang guard 10 s) until the local socket has seen the peer's reset or close: it polls readable.</summary>
    public void WaitUntilLocalSeesPeerEnd()
    {
        if (!Local.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead))
        {
            throw new TimeoutException("The local socket did not see the peer's end within 10 s.");
        }
    }

    public void Dispose()
    {
        Local.Dispose();
        Peer.Dispose();
    }
}
