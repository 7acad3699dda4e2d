using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeKit.Benchmarks;

/// <summary>
/// A tiny HTTP/1.1 backend on 127.0.0.1:0 for transport benchmarks: one blocking thread per connection answers every
/// request head (a bodiless request) with the same bytes. Blocking sockets on dedicated threads allocate nothing per
/// request, so the allocated bytes a benchmark measures are the client's alone.
/// </summary>
internal sealed class LoopbackHttpBackend : IDisposable
{
    private readonly Socket _listener;
    private readonly byte[] _response;
    private readonly List<Socket> _connections = [];
    private volatile bool _stopped;

    public LoopbackHttpBackend(string body = "{\"status\":\"ok\"}", string contentType = "application/json; charset=utf-8")
    {
        _response = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nDate: Sun, 06 Dec 2026 05:00:00 GMT\r\nServer: Kestrel\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Address = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}";
        new Thread(Accept) { IsBackground = true, Name = "loopback-backend-accept" }.Start();
    }

    /// <summary>The backend's base address (<c>http://127.0.0.1:port</c>).</summary>
    public string Address { get; }

    private void Accept()
    {
        while (!_stopped)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (SocketException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_connections)
            {
                _connections.Add(socket);
            }

            new Thread(() => Serve(socket)) { IsBackground = true, Name = "loopback-backend-serve" }.Start();
        }
    }

    private void Serve(Socket socket)
    {
        var buffer = new byte[16384];
        int pending = 0;
        try
        {
            while (!_stopped)
            {
                int read = socket.Receive(buffer, pending, buffer.Length - pending, SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                pending += read;
                int start = 0;
                while (true)
                {
                    int end = buffer.AsSpan(start, pending - start).IndexOf("\r\n\r\n"u8);
                    if (end < 0)
                    {
                        break;
                    }

                    start += end + 4;
                    socket.Send(_response);
                }

                // Keep what is left of an incomplete head at the front of the buffer.
                Buffer.BlockCopy(buffer, start, buffer, 0, pending - start);
                pending -= start;
                if (pending == buffer.Length)
                {
                    return;
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _listener.Dispose();
        lock (_connections)
        {
            foreach (var socket in _connections)
            {
                socket.Dispose();
            }
        }
    }
}
