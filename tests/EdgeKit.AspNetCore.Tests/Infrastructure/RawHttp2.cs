using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>What a raw HTTP/2 exchange ended with.</summary>
/// <param name="Status">The response's status; 0 when the stream was reset or the connection closed without one.</param>
/// <param name="Body">The response body (UTF-8).</param>
/// <param name="Reset">The RST_STREAM error code, if the stream was reset.</param>
/// <param name="GoAway">The GOAWAY error code, if the server closed the connection.</param>
public sealed record RawHttp2Response(int Status, string Body, int? Reset, int? GoAway);

/// <summary>
/// A minimal HTTP/2 (h2c, prior knowledge) client that sends header fields exactly as given, without HttpClient's
/// filtering of connection-specific fields: HPACK literals without indexing or Huffman, one stream.
/// </summary>
public static class RawHttp2
{
    private static readonly Dictionary<int, int> s_staticStatuses = new() { [8] = 200, [9] = 204, [10] = 206, [11] = 304, [12] = 400, [13] = 404, [14] = 500 };

    public static async Task<RawHttp2Response> GetAsync(string address, string path, params (string Name, string Value)[] headers)
    {
        var uri = new Uri(address);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var block = new MemoryStream();
        foreach (var (name, value) in new[] { (":method", "GET"), (":scheme", "http"), (":authority", uri.Authority), (":path", path) }.Concat(headers))
        {
            block.WriteByte(0x00); // literal header field without indexing, new name
            WriteString(block, name);
            WriteString(block, value);
        }

        var output = new MemoryStream();
        output.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        WriteFrame(output, type: 0x4, flags: 0, streamId: 0, []);
        WriteFrame(output, type: 0x1, flags: 0x5, streamId: 1, block.ToArray()); // END_STREAM | END_HEADERS
        await stream.WriteAsync(output.ToArray(), timeout.Token);

        int status = 0;
        var body = new MemoryStream();
        var header = new byte[9];
        while (true)
        {
            try
            {
                await stream.ReadExactlyAsync(header, timeout.Token);
            }
            catch (EndOfStreamException)
            {
                return new(status, Encoding.UTF8.GetString(body.ToArray()), null, null);
            }

            int length = (header[0] << 16) | (header[1] << 8) | header[2];
            byte type = header[3], flags = header[4];
            int streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF;
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, timeout.Token);
            switch (type)
            {
                case 0x4 when (flags & 0x1) == 0:
                    var ack = new MemoryStream();
                    WriteFrame(ack, type: 0x4, flags: 0x1, streamId: 0, []);
                    await stream.WriteAsync(ack.ToArray(), timeout.Token);
                    break;
                case 0x1 when streamId == 1:
                    // Kestrel sends a status of the static table as an indexed field, first in the block.
                    int index = payload[0] & 0x7F;
                    status = (payload[0] & 0x80) != 0 && s_staticStatuses.TryGetValue(index, out int known) ? known : -1;
                    if ((flags & 0x1) != 0)
                    {
                        return new(status, "", null, null);
                    }

                    break;
                case 0x0 when streamId == 1:
                    body.Write(payload);
                    if ((flags & 0x1) != 0)
                    {
                        return new(status, Encoding.UTF8.GetString(body.ToArray()), null, null);
                    }

                    break;
                case 0x3 when streamId == 1:
                    return new(status, Encoding.UTF8.GetString(body.ToArray()), BinaryPrimitives.ReadInt32BigEndian(payload), null);
                case 0x7:
                    return new(status, Encoding.UTF8.GetString(body.ToArray()), null, BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4)));
            }
        }
    }

    private static void WriteString(MemoryStream block, string value)
    {
        var bytes = Encoding.Latin1.GetBytes(value);
        WriteInteger(block, bytes.Length, prefixBits: 7);
        block.Write(bytes);
    }

    private static void WriteInteger(MemoryStream block, int value, int prefixBits)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.WriteByte((byte)value);
            return;
        }

        block.WriteByte((byte)max);
        value -= max;
        while (value >= 128)
        {
            block.WriteByte((byte)((value % 128) + 128));
            value /= 128;
        }

        block.WriteByte((byte)value);
    }

    private static void WriteFrame(MemoryStream output, byte type, byte flags, int streamId, byte[] payload)
    {
        output.WriteByte((byte)(payload.Length >> 16));
        output.WriteByte((byte)(payload.Length >> 8));
        output.WriteByte((byte)payload.Length);
        output.WriteByte(type);
        output.WriteByte(flags);
        Span<byte> id = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(id, streamId);
        output.Write(id);
        output.Write(payload);
    }
}
