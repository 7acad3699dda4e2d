using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A raw HTTP/1.1 backend on 127.0.0.1 that reads each request (head, and a <c>Content-Length</c> body unless the request
/// waits on <c>Expect: 100-continue</c>), counts it by path, and closes the connection without answering. With
/// <c>answerFirst</c>, the first request of every connection is answered <c>200</c> (kept alive) and only the next is
/// dropped: the case of a pooled connection failing under a request.
/// </summary>
public sealed class DroppingBackend : RawTcpBackend
{
    private readonly bool _answerFirst;
    private readonly byte[]? _reply;
    private readonly ConcurrentDictionary<string, int> _deliveries = new(StringComparer.Ordinal);

    private DroppingBackend(bool answerFirst, byte[]? reply)
    {
        _answerFirst = answerFirst;
        _reply = reply;
        StartAccepting();
    }

    /// <summary>Starts the backend; <paramref name="reply"/>, when given, is written (as it is) before closing instead of nothing.</summary>
    public static DroppingBackend Start(bool answerFirst = false, string? reply = null) =>
        new(answerFirst, reply is null ? null : System.Text.Encoding.Latin1.GetBytes(reply));

    /// <summary>How many times a request for <paramref name="path"/> reached the backend.</summary>
    public int Deliveries(string path) => _deliveries.TryGetValue(path, out int count) ? count : 0;

    protected override async Task ServeAsync(Socket socket, int connection)
    {
        var stream = new NetworkStream(socket, ownsSocket: false);
        var pending = new List<byte>();
        var buffer = new byte[8192];
        bool answered = !_answerFirst;
        try
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = IndexOfHeadEnd(pending)) < 0)
                {
                    int read = await stream.ReadAsync(buffer, Stopping);
                    if (read == 0)
                    {
                        return;
                    }

                    pending.AddRange(buffer.AsSpan(0, read));
                }

                string head = Encoding.Latin1.GetString(pending.GetRange(0, headEnd).ToArray());
                pending.RemoveRange(0, headEnd + 4);
                var lines = head.Split("\r\n");
                string path = lines[0].Split(' ')[1];
                long length = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(p => long.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                bool expectContinue = lines.Any(l => l.StartsWith("Expect:", StringComparison.OrdinalIgnoreCase));
                while (!expectContinue && pending.Count < length)
                {
                    int read = await stream.ReadAsync(buffer, Stopping);
                    if (read == 0)
                    {
                        return;
                    }

                    pending.AddRange(buffer.AsSpan(0, read));
                }

                if (!expectContinue)
                {
                    pending.RemoveRange(0, (int)length);
                }

                _deliveries.AddOrUpdate(path, 1, (_, count) => count + 1);
                if (answered)
                {
                    // Read, then close without a byte of response (or with the broken one given).
                    if (_reply is not null)
                    {
                        await stream.WriteAsync(_reply, Stopping);
                    }

                    return;
                }

                answered = true;
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), Stopping);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
        }
    }

    private static int IndexOfHeadEnd(List<byte> data)
    {
        for (int i = 0; i + 3 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
