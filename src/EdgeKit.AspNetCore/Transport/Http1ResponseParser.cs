using System.Buffers;
using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// RFC 9112's response grammar, strictly: the status line, header and trailer fields, and chunk-size lines. Works on
/// bytes (no ASP.NET); every deviation is an <see cref="Http1ProtocolException"/> naming what was wrong.
/// </summary>
internal static class Http1ResponseParser
{
    /// <summary>The largest response head (status line and fields, or a trailer section) accepted, in bytes.</summary>
    public const int MaxHeadSize = 64 * 1024;

    /// <summary>The longest chunk-size line (size and extensions) accepted, in bytes.</summary>
    public const int MaxChunkLineSize = 4096;

    // tchar (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static readonly SearchValues<byte> s_tokenChars = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Field-value bytes (RFC 9110 §5.5): VCHAR, obs-text, SP and HTAB; everything else is a control character.
    private static readonly SearchValues<byte> s_fieldValueInvalid = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>
    /// Finds the next line in <paramref name="buffer"/> from <paramref name="start"/>: the bytes before its CRLF, and the
    /// index after it. False when no complete line is there yet. A bare LF, or a CR anywhere but before the LF, is refused.
    /// </summary>
    public static bool TryReadLine(ReadOnlySpan<byte> buffer, int start, out ReadOnlySpan<byte> line, out int next, string where)
    {
        var rest = buffer[start..];
        int lf = rest.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (rest.IndexOf((byte)'\r') is int cr and >= 0 && cr < rest.Length - 1)
            {
                throw new Http1ProtocolException($"The backend's {where} holds a bare CR.");
            }

            line = default;
            next = start;
            return false;
        }

        if (lf == 0 || rest[lf - 1] != (byte)'\r')
        {
            throw new Http1ProtocolException($"The backend's {where} holds a bare LF (lines must end with CRLF).");
        }

        line = rest[..(lf - 1)];
        if (line.IndexOf((byte)'\r') >= 0)
        {
            throw new Http1ProtocolException($"The backend's {where} holds a bare CR.");
        }

        next = start + lf + 1;
        return true;
    }

    /// <summary>Parses <c>HTTP-version SP status-code SP [reason-phrase]</c>.</summary>
    public static void ParseStatusLine(ReadOnlySpan<byte> line, out int status, out int minorVersion, out ReadOnlySpan<byte> reason)
    {
        // "HTTP/1.1 200" is the shortest form; the SP before an empty reason is often left out, and accepted.
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' ')
        {
            throw new Http1ProtocolException("The backend's status line is not 'HTTP/1.x <status> <reason>'.");
        }

        minorVersion = line[7] - '0';
        if (!char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11]) || line[9] == (byte)'0')
        {
            throw new Http1ProtocolException("The backend's status code is not three digits from 100 to 999.");
        }

        status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (line.Length == 12)
        {
            reason = default;
            return;
        }

        if (line[12] != (byte)' ')
        {
            throw new Http1ProtocolException("The backend's status code is not followed by a space.");
        }

        reason = line[13..];
        if (reason.IndexOfAny(s_fieldValueInvalid) is int bad and >= 0 && reason[bad] != (byte)'\t')
        {
            throw new Http1ProtocolException("The backend's reason phrase holds a control character.");
        }
    }

    /// <summary>
    /// Splits <c>field-name ":" OWS field-value OWS</c>, refusing obs-fold, whitespace before the colon and a name that is
    /// not a token. A value holding a control character (NUL, DEL, ...; CR and LF cannot reach here) is reported through
    /// <paramref name="unsafeValue"/>: the field is dropped, as the forwarder drops such values from either side
    /// (<see cref="Http.HeaderRules.IsUnsafeValue"/>), and RFC 9110 §5.5 allows.
    /// </summary>
    public static void ParseField(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out bool unsafeValue, string where)
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            throw new Http1ProtocolException($"The backend's {where} uses obs-fold (a line continued with leading whitespace), which RFC 9112 refuses.");
        }

        int colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            throw new Http1ProtocolException($"The backend's {where} holds a line without a colon.");
        }

        name = line[..colon];
        if (name.IsEmpty || name.IndexOfAnyExcept(s_tokenChars) >= 0)
        {
            throw new Http1ProtocolException($"The backend's {where} holds a field name that is empty or not a token (whitespace before the colon, or an invalid character).");
        }

        value = line[(colon + 1)..].Trim(" \t"u8);
        unsafeValue = false;
        int invalid = value.IndexOfAny(s_fieldValueInvalid);
        while (invalid >= 0)
        {
            if (value[invalid] != (byte)'\t')
            {
                unsafeValue = true;
                return;
            }

            int next = value[(invalid + 1)..].IndexOfAny(s_fieldValueInvalid);
            invalid = next < 0 ? -1 : invalid + 1 + next;
        }
    }

    /// <summary>Parses a Content-Length value: digits only, or a list of identical ones (RFC 9110 §8.6).</summary>
    public static long ParseContentLength(ReadOnlySpan<byte> value)
    {
        long result = -1;
        while (true)
        {
            int comma = value.IndexOf((byte)',');
            var item = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            if (item.IsEmpty || item.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0
                || !Utf8Parser.TryParse(item, out long length, out int consumed) || consumed != item.Length)
            {
                throw new Http1ProtocolException("The backend's Content-Length is not a number.");
            }

            if (result >= 0 && result != length)
            {
                throw new Http1ProtocolException("The backend sent Content-Length values that differ.");
            }

            result = length;
            if (comma < 0)
            {
                return result;
            }

            value = value[(comma + 1)..];
        }
    }

    /// <summary>
    /// Checks a Transfer-Encoding value: its final coding must be <c>chunked</c>, and <c>chunked</c> may appear only there
    /// (RFC 9112 §6.1). <paramref name="chunkedLast"/> says whether the codings so far end with chunked.
    /// </summary>
    public static void CheckTransferEncoding(ReadOnlySpan<byte> value, ref bool chunkedLast)
    {
        while (!value.IsEmpty)
        {
            int comma = value.IndexOf((byte)',');
            var coding = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            int parameters = coding.IndexOf((byte)';');
            var name = (parameters < 0 ? coding : coding[..parameters]).TrimEnd(" \t"u8);
            if (!name.IsEmpty)
            {
                if (chunkedLast)
                {
                    throw new Http1ProtocolException("The backend's Transfer-Encoding applies a coding after chunked.");
                }

                if (name.IndexOfAnyExcept(s_tokenChars) >= 0)
                {
                    throw new Http1ProtocolException("The backend's Transfer-Encoding holds a coding that is not a token.");
                }

                chunkedLast = Ascii.EqualsIgnoreCase(name, "chunked"u8);
            }

            value = comma < 0 ? default : value[(comma + 1)..];
        }
    }

    /// <summary>Whether the comma-separated list <paramref name="value"/> holds <paramref name="token"/> (case-insensitive).</summary>
    public static bool ListContains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        while (!value.IsEmpty)
        {
            int comma = value.IndexOf((byte)',');
            if (Ascii.EqualsIgnoreCase((comma < 0 ? value : value[..comma]).Trim(" \t"u8), token))
            {
                return true;
            }

            value = comma < 0 ? default : value[(comma + 1)..];
        }

        return false;
    }

    /// <summary>
    /// Parses a chunk-size line: <c>1*HEXDIG *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )</c>. The
    /// extensions are checked for control characters and ignored.
    /// </summary>
    public static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        int digits = line.IndexOfAnyExcept("0123456789abcdefABCDEF"u8);
        if (digits < 0)
        {
            digits = line.Length;
        }

        if (digits == 0)
        {
            throw new Http1ProtocolException("The backend's chunk size is not a hexadecimal number.");
        }

        var hex = line[..digits].TrimStart((byte)'0');
        if (hex.Length > 16 || (hex.Length == 16 && hex[0] > (byte)'7'))
        {
            throw new Http1ProtocolException("The backend's chunk size is too large.");
        }

        long size = 0;
        foreach (byte b in hex)
        {
            size = (size << 4) | (long)HexValue(b);
        }

        var rest = line[digits..];
        if (!rest.IsEmpty)
        {
            var extensions = rest.TrimStart(" \t"u8);
            if (extensions.IsEmpty || extensions[0] != (byte)';')
            {
                throw new Http1ProtocolException("The backend's chunk size is followed by something other than an extension.");
            }

            int invalid = extensions.IndexOfAny(s_fieldValueInvalid);
            if (invalid >= 0 && extensions[invalid] != (byte)'\t')
            {
                throw new Http1ProtocolException("The backend's chunk extension holds a control character.");
            }
        }

        return size;

        static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
    }

    /// <summary>
    /// Parses a response head from <paramref name="buffer"/> into <paramref name="reuse"/> (an emptied response given back
    /// to the connection) or a new <see cref="Http1Response"/>, whose content's stream the caller sets. False when the head
    /// is not complete yet. True with <paramref name="response"/> <see langword="null"/> for an interim (1xx) response
    /// (<paramref name="reuse"/> is then left unused). A <c>101</c> is final when the request asked for it
    /// (<see cref="AsksForUpgrade"/>): a new response without body framing (<paramref name="close"/>: the connection is no
    /// longer HTTP/1.1), whose head's end is where the new protocol's bytes begin; to any other request, an error. <paramref name="fields"/>, when given, supplies the field strings
    /// of the connection's last response where the bytes are the same. <paramref name="framing"/> and
    /// <paramref name="contentLength"/> say how the body is delimited; <paramref name="close"/>, that the connection
    /// cannot carry another request (<c>Connection: close</c>, HTTP/1.0, a close-delimited body).
    /// </summary>
    public static bool TryReadHead(
        ReadOnlySequence<byte> buffer, HttpRequestMessage request, Http1Response? reuse, Http1FieldCache? fields, out SequencePosition consumed,
        out Http1Response? response, out int status, out Http1ResponseFraming framing, out long contentLength, out bool close)
    {
        response = null;
        status = 0;
        consumed = buffer.Start;
        framing = Http1ResponseFraming.None;
        contentLength = -1;
        close = false;
        byte[]? rented = null;
        try
        {
            var span = Linearize(buffer, ref rented);
            if (!TryFindHeadEnd(span, out int end))
            {
                return false;
            }

            consumed = buffer.GetPosition(end);
            // Each line is checked for a bare CR or LF as it is read (TryFindHeadEnd only found the empty line).
            TryReadLine(span, 0, out var statusLine, out int position, "response head");
            ParseStatusLine(statusLine, out status, out int minor, out var reason);
            bool switched = status == 101;
            if (status < 200 && !switched)
            {
                // Interim fields are checked like any others, then dropped.
                CheckFields(span, position);
                return true;
            }

            if (switched && !AsksForUpgrade(request))
            {
                throw new Http1ProtocolException("The backend switched protocols (101) for a request that asked for no upgrade.");
            }

            // A 101 ends the connection's HTTP/1.1 life: its response is never lent, so it is a new one (the spare stays unused).
            response = switched ? new Http1Response() : reuse ?? new Http1Response();
            response.StatusCode = (System.Net.HttpStatusCode)status;
            response.Version = minor == 0 ? System.Net.HttpVersion.Version10 : System.Net.HttpVersion.Version11;
            response.RequestMessage = request;
            var content = response.Body;
            if (!reason.IsEmpty && !System.Text.Ascii.Equals(reason, response.ReasonPhrase ?? string.Empty))
            {
                response.ReasonPhrase = FieldValue(reason);
            }

            bool transferEncoding = false;
            bool chunkedLast = false;
            close = minor == 0;
            int index = -1;
            while (TryReadLine(span, position, out var line, out position, "response head") && !line.IsEmpty)
            {
                index++;
                ParseField(line, out var name, out var value, out bool unsafeValue, "response head");
                // The three fields that frame the body or end the connection, told apart by their length first.
                switch (name.Length)
                {
                    case 14 when System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                        long length = ParseContentLength(value);
                        if (contentLength >= 0 && contentLength != length)
                        {
                            throw new Http1ProtocolException("The backend sent Content-Length values that differ.");
                        }

                        contentLength = length;
                        continue;
                    case 17 when System.Text.Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                        transferEncoding = true;
                        CheckTransferEncoding(value, ref chunkedLast);
                        break;
                    case 10 when System.Text.Ascii.EqualsIgnoreCase(name, "Connection"u8) && ListContains(value, "close"u8):
                        close = true;
                        break;
                }

                if (!unsafeValue)
                {
                    AddField(response, fields is null ? FieldName(name) : fields.Name(index, name), fields is null ? FieldValue(value) : fields.Value(index, value));
                }
            }

            if (transferEncoding)
            {
                if (contentLength >= 0)
                {
                    throw new Http1ProtocolException("The backend sent both Transfer-Encoding and Content-Length (RFC 9112 §6.3: a possible smuggling attempt).");
                }

                if (minor == 0)
                {
                    throw new Http1ProtocolException("The backend sent Transfer-Encoding in an HTTP/1.0 response.");
                }

                if (!chunkedLast)
                {
                    throw new Http1ProtocolException("The backend's Transfer-Encoding does not end with chunked.");
                }
            }

            if (switched)
            {
                // RFC 9110 §8.6, RFC 9112 §6.1: a 1xx carries neither; after a 101 the connection's bytes are the new
                // protocol's, and a length or chunked framing there could only make a reader take them for a body.
                if (transferEncoding || contentLength >= 0)
                {
                    throw new Http1ProtocolException("The backend's 101 (Switching Protocols) carries Content-Length or Transfer-Encoding, which a 1xx response may not.");
                }

                // RFC 9110 §15.2.2: a 101 names the protocol it switches to.
                if (!response.Headers.NonValidated.Contains("Upgrade"))
                {
                    throw new Http1ProtocolException("The backend's 101 (Switching Protocols) has no Upgrade field naming the protocol it switched to.");
                }

                framing = Http1ResponseFraming.None;
                close = true;
                return true;
            }

            if (request.Method == HttpMethod.Head || status is 204 or 304)
            {
                framing = Http1ResponseFraming.None;
            }
            else if (transferEncoding)
            {
                framing = Http1ResponseFraming.Chunked;
            }
            else if (contentLength >= 0)
            {
                framing = contentLength == 0 ? Http1ResponseFraming.None : Http1ResponseFraming.ContentLength;
            }
            else
            {
                framing = Http1ResponseFraming.CloseDelimited;
                close = true;
            }

            // A reused response still holds its last Content-Length (see Http1Response.Reset): set only when it differs.
            if (contentLength >= 0 ? content.Headers.ContentLength != contentLength : reuse is not null && content.Headers.ContentLength is not null)
            {
                content.Headers.ContentLength = contentLength >= 0 ? contentLength : null;
            }

            return true;
        }
        catch
        {
            response?.Dispose();
            throw;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="request"/> asked the backend to switch protocols: an <c>Upgrade</c> field, with the
    /// <c>upgrade</c> connection option RFC 9110 §7.8 requires beside it (no <c>CONNECT</c>, which this transport never sends).
    /// </summary>
    public static bool AsksForUpgrade(HttpRequestMessage request)
    {
        var headers = request.Headers.NonValidated;
        if (request.Method == HttpMethod.Connect || !headers.Contains("Upgrade") || !headers.TryGetValues("Connection", out var connection))
        {
            return false;
        }

        foreach (string value in connection)
        {
            if (Http.HeaderRules.IsListedIn("upgrade", value))
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckFields(ReadOnlySpan<byte> span, int position)
    {
        while (TryReadLine(span, position, out var line, out position, "interim response") && !line.IsEmpty)
        {
            ParseField(line, out _, out _, out _, "interim response");
        }
    }

    /// <summary>Parses a trailer section into <paramref name="target"/>; false when it is not complete yet.</summary>
    public static bool TryParseFields(ReadOnlySequence<byte> buffer, HttpHeaders target, out SequencePosition consumed, string where)
    {
        consumed = buffer.Start;
        byte[]? rented = null;
        try
        {
            var span = Linearize(buffer, ref rented);
            int position = 0;
            while (true)
            {
                if (!TryReadLine(span, position, out var line, out int next, where))
                {
                    if (buffer.Length > MaxHeadSize)
                    {
                        throw new Http1ProtocolException($"The backend's {where} is larger than {MaxHeadSize} bytes.");
                    }

                    return false;
                }

                position = next;
                if (line.IsEmpty)
                {
                    break;
                }

                ParseField(line, out _, out _, out _, where);
            }

            // Complete and valid: now the fields are kept.
            position = 0;
            while (TryReadLine(span, position, out var line, out position, where) && !line.IsEmpty)
            {
                ParseField(line, out var name, out var value, out bool unsafeValue, where);
                if (!unsafeValue)
                {
                    target.TryAddWithoutValidation(FieldName(name), FieldValue(value));
                }
            }

            consumed = buffer.GetPosition(position);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Finds the end of a response head (the index after its empty line): one vectorized search for CRLF CRLF when the
    /// head is complete and well-formed, the line-by-line search (which names a bare CR or LF, or an empty first line,
    /// at once) otherwise.
    /// </summary>
    private static bool TryFindHeadEnd(ReadOnlySpan<byte> span, out int end)
    {
        int index = span.IndexOf("\r\n\r\n"u8);
        if (index > 0 && span[0] != (byte)'\r')
        {
            end = index + 4;
            return true;
        }

        return TryFindEnd(span, "response head", out end);
    }

    private static bool TryFindEnd(ReadOnlySpan<byte> span, string where, out int end)
    {
        int position = 0;
        while (TryReadLine(span, position, out var line, out position, where))
        {
            if (line.IsEmpty && position > 2)
            {
                end = position;
                return true;
            }

            if (line.IsEmpty)
            {
                throw new Http1ProtocolException($"The backend's {where} starts with an empty line.");
            }
        }

        end = 0;
        return false;
    }

    private static ReadOnlySpan<byte> Linearize(ReadOnlySequence<byte> buffer, ref byte[]? rented)
    {
        // Never more than a head of MaxHeadSize and its final CRLF CRLF, however much one read brought (one contiguous
        // buffer, SocketPipeReader's, may hold more): a longer head is not found, and its caller refuses it.
        int length = (int)Math.Min(buffer.Length, MaxHeadSize + 4);
        if (buffer.IsSingleSegment)
        {
            return buffer.FirstSpan[..length];
        }


        rented = ArrayPool<byte>.Shared.Rent(length);
        buffer.Slice(0, length).CopyTo(rented);
        return rented.AsSpan(0, length);
    }

    /// <summary>A field name as a string: the usual ones without allocating.</summary>
    public static string FieldName(ReadOnlySpan<byte> name)
    {
        string? known = name.Length switch
        {
            4 => Known(name, "Date") ?? Known(name, "ETag") ?? Known(name, "Vary"),
            6 => Known(name, "Server"),
            7 => Known(name, "Trailer"),
            8 => Known(name, "Location"),
            10 => Known(name, "Connection") ?? Known(name, "Set-Cookie") ?? Known(name, "Keep-Alive"),
            12 => Known(name, "Content-Type"),
            13 => Known(name, "Cache-Control") ?? Known(name, "Last-Modified") ?? Known(name, "Accept-Ranges"),
            14 => Known(name, "Content-Length"),
            16 => Known(name, "Content-Encoding"),
            17 => Known(name, "Transfer-Encoding"),
            _ => null,
        };
        return known ?? Encoding.ASCII.GetString(name);

        static string? Known(ReadOnlySpan<byte> name, string candidate) => Ascii.EqualsIgnoreCase(name, candidate) ? candidate : null;
    }

    /// <summary>A field value as a string (ISO-8859-1, as SocketsHttpHandler reads them).</summary>
    public static string FieldValue(ReadOnlySpan<byte> value) => value.IsEmpty ? string.Empty : Encoding.Latin1.GetString(value);

    /// <summary>Adds a field to the response's headers, or its content's when it is a content field.</summary>
    public static void AddField(HttpResponseMessage response, string name, string value)
    {
        HttpHeaders target = Http.HeaderRules.IsContentHeader(name) ? response.Content.Headers : response.Headers;
        target.TryAddWithoutValidation(name, value);
    }
}
