using System.Net.Sockets;
using System.Text;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>Sends bytes exactly as written (no client-side normalisation or validation) and reads the whole answer.</summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> (CRLFs included) and reads until the server closes or <paramref name="timeout"/> passes.</summary>
    public static async Task<RawResponse> SendAsync(string address, string request, TimeSpan? timeout = null)
    {
        var uri = new Uri(address);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, limit.Token);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
                if (IsComplete(received))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }

        return new RawResponse(Encoding.Latin1.GetString(received.ToArray()));
    }

    private static bool IsComplete(MemoryStream received)
    {
        string text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var match = System.Text.RegularExpressions.Regex.Match(text[..end], @"(?im)^content-length:\s*(\d+)\s*$");
        if (match.Success)
        {
            return text.Length - (end + 4) >= int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}

/// <summary>A raw HTTP/1.1 response.</summary>
public sealed record RawResponse(string Text)
{
    /// <summary>The status code, or 0 when nothing came back.</summary>
    public int Status => Text.Length >= 12 && Text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(Text.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>The value of the first header field named <paramref name="name"/> (case-insensitive), or <see langword="null"/>.</summary>
    public string? Header(string name)
    {
        int end = Text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        foreach (var line in (end < 0 ? Text : Text[..end]).Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim(' ');
            }
        }

        return null;
    }

    /// <summary>The body (after the blank line), with chunked framing removed.</summary>
    public string Body
    {
        get
        {
            int end = Text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                return "";
            }

            string head = Text[..end];
            string raw = Text[(end + 4)..];
            if (!System.Text.RegularExpressions.Regex.IsMatch(head, @"(?im)^transfer-encoding:\s*chunked\s*$"))
            {
                return raw;
            }

            var body = new StringBuilder();
            int position = 0;
            while (position < raw.Length)
            {
                int lineEnd = raw.IndexOf("\r\n", position, StringComparison.Ordinal);
                int size = Convert.ToInt32(raw[position..lineEnd].Split(';')[0], 16);
                if (size == 0)
                {
                    break;
                }

                body.Append(raw, lineEnd + 2, size);
                position = lineEnd + 2 + size + 2;
            }

            return body.ToString();
        }
    }
}
