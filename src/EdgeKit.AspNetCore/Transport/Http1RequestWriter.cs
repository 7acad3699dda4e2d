using System.Buffers;
using System.Net.Http.Headers;
using System.Text;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>How a request's body is framed on the wire.</summary>
internal enum Http1BodyFraming
{
    /// <summary>No body.</summary>
    None,

    /// <summary>A body of a known length (<c>Content-Length</c>).</summary>
    ContentLength,

    /// <summary>A body of unknown length (<c>Transfer-Encoding: chunked</c>).</summary>
    Chunked,
}

/// <summary>
/// Writes an HTTP/1.1 request head straight into the connection's pipe from an <see cref="HttpRequestMessage"/>'s
/// unvalidated headers: no re-validation of what Kestrel and the forwarder already checked, except that no value may
/// carry CR, LF or NUL (a transform's mistake must not split the head).
/// </summary>
internal static class Http1RequestWriter
{
    private static readonly SearchValues<char> s_unsafe = SearchValues.Create("\0\r\n");
    private static readonly SearchValues<byte> s_unsafeBytes = SearchValues.Create("\0\r\n"u8);

    /// <summary>Writes the head and returns the body's framing (and its length when known).</summary>
    public static Http1BodyFraming WriteHead(IBufferWriter<byte> writer, HttpRequestMessage request, Uri uri, byte[] hostField, out long contentLength)
    {
        var method = request.Method.Method;
        WriteAscii(writer, method);
        WriteBytes(writer, " "u8);
        WriteAscii(writer, uri.PathAndQuery);
        WriteBytes(writer, " HTTP/1.1\r\n"u8);

        var headers = request.Headers.NonValidated;
        if (headers.TryGetValues("Host", out var host))
        {
            // A transform kept the client's Host.
            WriteField(writer, "Host", host);
        }
        else
        {
            WriteBytes(writer, hostField);
        }

        foreach (var header in headers)
        {
            string name = header.Key;
            if (IsFramingOrHost(name))
            {
                continue;
            }

            WriteField(writer, name, header.Value);
        }

        var content = request.Content;
        Http1BodyFraming framing;
        contentLength = 0;
        if (content is null)
        {
            framing = Http1BodyFraming.None;
            if (request.Method == HttpMethod.Post || request.Method == HttpMethod.Put || request.Method == HttpMethod.Patch)
            {
                // A method defined to carry content says it has none (RFC 9110 §8.6).
                WriteBytes(writer, "Content-Length: 0\r\n"u8);
            }
        }
        else
        {
            foreach (var header in content.Headers.NonValidated)
            {
                if (!IsFramingOrHost(header.Key))
                {
                    WriteField(writer, header.Key, header.Value);
                }
            }

            if (content.Headers.ContentLength is { } length)
            {
                framing = Http1BodyFraming.ContentLength;
                contentLength = length;
                WriteBytes(writer, "Content-Length: "u8);
                var span = writer.GetSpan(20);
                System.Buffers.Text.Utf8Formatter.TryFormat(length, span, out int written);
                writer.Advance(written);
                WriteBytes(writer, "\r\n"u8);
            }
            else
            {
                framing = Http1BodyFraming.Chunked;
                WriteBytes(writer, "Transfer-Encoding: chunked\r\n"u8);
            }
        }

        WriteBytes(writer, "\r\n"u8);
        return framing;
    }

    /// <summary>The <c>Host</c> field line for <paramref name="uri"/>'s authority, computed once per destination.</summary>
    public static byte[] HostField(Uri uri)
    {
        string authority = uri.IsDefaultPort ? uri.IdnHost : string.Concat(uri.IdnHost, ":", uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (uri.HostNameType == UriHostNameType.IPv6 && !authority.StartsWith('['))
        {
            authority = uri.IsDefaultPort ? $"[{uri.IdnHost}]" : $"[{uri.IdnHost}]:{uri.Port}";
        }

        return Encoding.ASCII.GetBytes($"Host: {authority}\r\n");
    }

    private static bool IsFramingOrHost(string name) => name.Length switch
    {
        4 => name.Equals("Host", StringComparison.OrdinalIgnoreCase),
        14 => name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static void WriteField(IBufferWriter<byte> writer, string name, HeaderStringValues values)
    {
        if (values.Count == 0)
        {
            return;
        }

        if (values.Count == 1 && TryWriteAsciiField(writer, name, values.ToString()))
        {
            return;
        }

        WriteAscii(writer, name);
        WriteBytes(writer, ": "u8);
        bool first = true;
        // Cookie pairs are joined with "; " (RFC 6265 §5.4), every other list with ", " (RFC 9110 §5.3).
        var separator = name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; "u8 : ", "u8;
        foreach (string value in values)
        {
            if (!first)
            {
                WriteBytes(writer, separator);
            }

            first = false;
            WriteValue(writer, name, value);
        }

        WriteBytes(writer, "\r\n"u8);
    }

    /// <summary>
    /// The usual field, one ASCII value: the whole line written into one span (one buffer request instead of four).
    /// False, with nothing written, when the value is not ASCII: the caller's general path then encodes it.
    /// </summary>
    private static bool TryWriteAsciiField(IBufferWriter<byte> writer, string name, string value)
    {
        int length = name.Length + value.Length + 4;
        var span = writer.GetSpan(length);
        if (Ascii.FromUtf16(name, span, out int written) != OperationStatus.Done)
        {
            throw NotAscii();
        }

        span[written] = (byte)':';
        span[written + 1] = (byte)' ';
        var valueBytes = span.Slice(written + 2, value.Length);
        if (Ascii.FromUtf16(value, valueBytes, out _) != OperationStatus.Done)
        {
            return false;
        }

        if (valueBytes.IndexOfAny(s_unsafeBytes) >= 0)
        {
            throw UnsafeValue(name);
        }

        span[length - 2] = (byte)'\r';
        span[length - 1] = (byte)'\n';
        writer.Advance(length);
        return true;
    }

    private static HttpRequestException UnsafeValue(string name) =>
        new(HttpRequestError.Unknown, $"The value of the request header '{name}' holds CR, LF or NUL; it is not sent.");

    private static HttpRequestException NotAscii() =>
        new(HttpRequestError.Unknown, "A request method, target or header name holds a character that is not ASCII; it is not sent.");

    private static void WriteValue(IBufferWriter<byte> writer, string name, string value)
    {
        if (value.AsSpan().IndexOfAny(s_unsafe) >= 0)
        {
            throw UnsafeValue(name);
        }

        if (Ascii.IsValid(value))
        {
            WriteAscii(writer, value);
            return;
        }

        // Kestrel decodes request header bytes as UTF-8: encoding them back sends the client's bytes on.
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = writer.GetSpan(max);
        writer.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    private static void WriteAscii(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(text.Length);
        var status = Ascii.FromUtf16(text, span, out int written);
        if (status != OperationStatus.Done)
        {
            throw NotAscii();
        }

        writer.Advance(written);
    }

    private static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        var span = writer.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        writer.Advance(bytes.Length);
    }
}
