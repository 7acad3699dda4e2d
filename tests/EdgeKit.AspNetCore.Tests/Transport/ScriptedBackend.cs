using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>A request as a <see cref="ScriptedBackend"/> read it off the wire.</summary>
/// <param name="Connection">The connection it came on (1 for the first accepted).</param>
/// <param name="Head">The request head, without its final empty line.</param>
/// <param name="Body">The body, unframed (a chunked body decoded).</param>
public sealed record ScriptedRequest(int Connection, string Head, string Body)
{
    /// <summary>The request line's target.</summary>
    public string Path => Head.Split("\r\n")[0].Split(' ')[1];

    /// <summary>The value of the first field named <paramref name="name"/>, or null.</summary>
    public string? Field(string name) => Head.Split("\r\n").Skip(1).Select(l => l.Split(':', 2))
        .Where(p => p[0].Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => p[1].Trim()).FirstOrDefault();
}

/// <summary>What a <see cref="ScriptedBackend"/> writes back: exact bytes, then whether it closes the connection.</summary>
/// <remarks><paramref name="HoldOpen"/>: after the bytes, wait for the gateway to close the connection (a body left unfinished).</remarks>
public sealed record ScriptedReply(string Bytes, bool Close = false, bool SendContinueFirst = false, bool SkipBody = false, bool HoldOpen = false)
{
    public static implicit operator ScriptedReply(string bytes) => new(bytes);
}

/// <summary>
/// A hostile (or merely exact) HTTP/1.1 backend on 127.0.0.1: a raw TcpListener that counts the connections it accepts,
/// reads each request (head, then a Content-Length or chunked body), records it, and writes the reply its script gives,
/// byte for byte. A reply of <see langword="null"/> writes nothing and waits until the peer closes.
/// </summary>
public sealed class ScriptedBackend : RawTcpBackend
{
    private readonly Func<ScriptedRequest, int, ScriptedReply?> _script;
    private readonly TaskCompletionSource _peerClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    /// <param name="script">The reply to the request (and its index, 0 for the first the backend reads).</param>
    /// <param name="bind">The loopback address to listen on (127.0.0.1 unless given).</param>
    public ScriptedBackend(Func<ScriptedRequest, int, ScriptedReply?> script, IPAddress? bind = null)
        : base(bind)
    {
        _script = script;
        StartAccepting();
    }

    /// <summary>Every request read, in order.</summary>
    public ConcurrentQueue<ScriptedRequest> Received { get; } = new();

    /// <summary>Completes when a connection that was left waiting (a null reply, or one held open) is closed by the gateway.</summary>
    public Task PeerClosedWhileWaiting => _peerClosed.Task;

    protected override async Task ServeAsync(Socket socket, int connection)
    {
        var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new Reader(stream, Stopping);
        try
        {
            while (true)
            {
                string? head = await reader.ReadHeadAsync();
                if (head is null)
                {
                    return;
                }

                var request = new ScriptedRequest(connection, head, "");
                int index = Interlocked.Increment(ref _requests) - 1;
                var reply = _script(request, index);
                if (reply is { SendContinueFirst: true })
                {
                    await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), Stopping);
                }

                string body = reply is { SkipBody: true } ? "" : await reader.ReadBodyAsync(request);
                Received.Enqueue(request with { Body = body });
                if (reply is null)
                {
                    // Wait for the gateway to give up on this request.
                    while (await reader.ReadSomeAsync())
                    {
                    }

                    _peerClosed.TrySetResult();
                    return;
                }

                await stream.WriteAsync(Encoding.Latin1.GetBytes(reply.Bytes), Stopping);
                if (reply.HoldOpen)
                {
                    while (await reader.ReadSomeAsync())
                    {
                    }

                    _peerClosed.TrySetResult();
                    return;
                }

                if (reply.Close)
                {
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
            _peerClosed.TrySetResult();
        }
    }

    private sealed class Reader(NetworkStream stream, CancellationToken token)
    {
        private readonly List<byte> _pending = [];
        private readonly byte[] _buffer = new byte[8192];

        public async Task<bool> ReadSomeAsync()
        {
            int read = await stream.ReadAsync(_buffer, token);
            _pending.AddRange(_buffer.AsSpan(0, read));
            return read > 0;
        }

        public async Task<string?> ReadHeadAsync()
        {
            int end;
            while ((end = IndexOf(_pending, "\r\n\r\n"u8)) < 0)
            {
                if (!await ReadSomeAsync())
                {
                    return null;
                }
            }

            string head = Encoding.Latin1.GetString(_pending.GetRange(0, end).ToArray());
            _pending.RemoveRange(0, end + 4);
            return head;
        }

        public async Task<string> ReadBodyAsync(ScriptedRequest request)
        {
            if (request.Field("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                var body = new StringBuilder();
                while (true)
                {
                    int lineEnd;
                    while ((lineEnd = IndexOf(_pending, "\r\n"u8)) < 0)
                    {
                        if (!await ReadSomeAsync())
                        {
                            throw new IOException("The chunked body ended early.");
                        }
                    }

                    int size = int.Parse(Encoding.ASCII.GetString(_pending.GetRange(0, lineEnd).ToArray()).Split(';')[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                    _pending.RemoveRange(0, lineEnd + 2);
                    if (size == 0)
                    {
                        // No trailers from the gateway: the last chunk is followed by the final CRLF.
                        await FillAsync(2);
                        _pending.RemoveRange(0, 2);
                        return body.ToString();
                    }

                    await FillAsync(size + 2);
                    body.Append(Encoding.Latin1.GetString(_pending.GetRange(0, size).ToArray()));
                    _pending.RemoveRange(0, size + 2);
                }
            }

            int length = request.Field("Content-Length") is { } cl ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
            await FillAsync(length);
            string text = Encoding.Latin1.GetString(_pending.GetRange(0, length).ToArray());
            _pending.RemoveRange(0, length);
            return text;
        }

        private async Task FillAsync(int count)
        {
            while (_pending.Count < count)
            {
                if (!await ReadSomeAsync())
                {
                    throw new IOException("The body ended early.");
                }
            }
        }

        private static int IndexOf(List<byte> data, ReadOnlySpan<byte> value)
        {
            for (int i = 0; i + value.Length <= data.Count; i++)
            {
                int j = 0;
                while (j < value.Length && data[i + j] == value[j])
                {
                    j++;
                }

                if (j == value.Length)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
