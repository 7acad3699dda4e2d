using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeKit.Benchmarks;

/// <summary>
/// A tiny HTTP/1.1 backend on 127.0.0.1:0 for transport benchmarks: one blocking thread per connection answers every
/// request (its body skipped: Content-Length or chunked; 100 Continue first when asked) with the same bytes. Blocking sockets on dedicated threads allocate nothing per
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

    private static readonly byte[] s_continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    // Reads each request head, skips its body (Content-Length or chunked, without trailers), answers 100 Continue
    // first when the head asks for it, then the response; all in one buffer, nothing allocated per request.
    private void Serve(Socket socket)
    {
        var buffer = new byte[16384];
        int start = 0;
        int end = 0;
        try
        {
            while (!_stopped)
            {
                int headEnd;
                while ((headEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    if (!Fill(socket, buffer, ref start, ref end))
                    {
                        return;
                    }
                }

                var head = buffer.AsSpan(start, headEnd + 2);
                long length = 0;
                bool chunked = false;
                bool expect = false;
                while (head.IndexOf("\r\n"u8) is var eol and >= 0)
                {
                    var line = head[..eol];
                    head = head[(eol + 2)..];
                    if (StartsWith(line, "content-length:"u8))
                    {
                        System.Buffers.Text.Utf8Parser.TryParse(line["content-length:".Length..].Trim((byte)' '), out length, out _);
                    }
                    else if (StartsWith(line, "transfer-encoding:"u8))
                    {
                        chunked = true;
                    }
                    else if (StartsWith(line, "expect:"u8))
                    {
                        expect = true;
                    }
                }

                start += headEnd + 4;
                if (expect)
                {
                    socket.Send(s_continue);
                }

                if (chunked)
                {
                    while (true)
                    {
                        int eol;
                        while ((eol = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                        {
                            if (!Fill(socket, buffer, ref start, ref end))
                            {
                                return;
                            }
                        }

                        int size = 0;
                        foreach (byte b in buffer.AsSpan(start, eol))
                        {
                            size = (size * 16) + (b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
                        }

                        start += eol + 2;
                        if (!Skip(socket, buffer, ref start, ref end, size + 2))
                        {
                            return;
                        }

                        if (size == 0)
                        {
                            break;
                        }
                    }
                }
                else if (!Skip(socket, buffer, ref start, ref end, length))
                {
                    return;
                }

                socket.Send(_response);
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

    private static bool StartsWith(ReadOnlySpan<byte> line, ReadOnlySpan<byte> lowerPrefix) =>
        line.Length >= lowerPrefix.Length && System.Text.Ascii.EqualsIgnoreCase(line[..lowerPrefix.Length], lowerPrefix);

    private static bool Fill(Socket socket, byte[] buffer, ref int start, ref int end)
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            return false;
        }

        int read = socket.Receive(buffer, end, buffer.Length - end, SocketFlags.None);
        end += read;
        return read > 0;
    }

    private static bool Skip(Socket socket, byte[] buffer, ref int start, ref int end, long count)
    {
        while (true)
        {
            int take = (int)Math.Min(count, end - start);
            start += take;
            count -= take;
            if (count == 0)
            {
                return true;
            }

            if (!Fill(socket, buffer, ref start, ref end))
            {
                return false;
            }
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
