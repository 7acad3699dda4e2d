using EdgeKit.AspNetCore.Transport;

namespace EdgeKit.AspNetCore.Tests.Transport;

public sealed class Http1ResponseParserTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK", 200, 1, "OK")]
    [InlineData("HTTP/1.0 404 Not Found", 404, 0, "Not Found")]
    [InlineData("HTTP/1.1 204", 204, 1, "")]
    [InlineData("HTTP/1.1 599 ", 599, 1, "")]
    public void A_valid_status_line_is_parsed(string line, int status, int minor, string reason)
    {
        Http1ResponseParser.ParseStatusLine(System.Text.Encoding.ASCII.GetBytes(line), out int parsed, out int version, out var phrase);

        parsed.Should().Be(status);
        version.Should().Be(minor);
        System.Text.Encoding.ASCII.GetString(phrase).Should().Be(reason);
    }

    [Theory]
    [InlineData("HTTP/1.1 200OK", "The backend's status code is not followed by a space.")]
    [InlineData("HTTP/1.1 099 X", "The backend's status code is not three digits from 100 to 999.")]
    [InlineData("HTTP/1.1 2x0 X", "The backend's status code is not three digits from 100 to 999.")]
    [InlineData("HTTP/2 200 OK", "The backend's status line is not 'HTTP/1.x <status> <reason>'.")]
    [InlineData("HTTP/1.1 200 O\u0001K", "The backend's reason phrase holds a control character.")]
    public void An_invalid_status_line_is_refused_with_what_is_wrong(string line, string message)
    {
        var act = () => Http1ResponseParser.ParseStatusLine(System.Text.Encoding.Latin1.GetBytes(line), out _, out _, out _);

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)").Which.HttpRequestError.Should().Be(HttpRequestError.InvalidResponse);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1a", 26L)]
    [InlineData("00000000000000000000FF", 255L)]
    [InlineData("7fffffffffffffff", long.MaxValue)]
    [InlineData("10;name=value", 16L)]
    [InlineData("10 ; name=\"quoted\"", 16L)]
    public void A_chunk_size_line_is_parsed(string line, long size) =>
        Http1ResponseParser.ParseChunkSize(System.Text.Encoding.ASCII.GetBytes(line)).Should().Be(size);

    [Theory]
    [InlineData("", "The backend's chunk size is not a hexadecimal number.")]
    [InlineData("-1", "The backend's chunk size is not a hexadecimal number.")]
    [InlineData("0x10", "The backend's chunk size is followed by something other than an extension.")]
    [InlineData("8000000000000000", "The backend's chunk size is too large.")]
    [InlineData("1 2", "The backend's chunk size is followed by something other than an extension.")]
    [InlineData("1;a\u0000", "The backend's chunk extension holds a control character.")]
    public void An_invalid_chunk_size_line_is_refused(string line, string message)
    {
        var act = () => Http1ResponseParser.ParseChunkSize(System.Text.Encoding.Latin1.GetBytes(line));

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)");
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("7, 7", 7L)]
    [InlineData("0", 0L)]
    public void A_Content_Length_is_parsed(string value, long length) =>
        Http1ResponseParser.ParseContentLength(System.Text.Encoding.ASCII.GetBytes(value)).Should().Be(length);

    [Theory]
    [InlineData("-1", "The backend's Content-Length is not a number.")]
    [InlineData("1e3", "The backend's Content-Length is not a number.")]
    [InlineData("", "The backend's Content-Length is not a number.")]
    [InlineData("99999999999999999999", "The backend's Content-Length is not a number.")]
    [InlineData("5, 6", "The backend sent Content-Length values that differ.")]
    public void An_invalid_Content_Length_is_refused(string value, string message)
    {
        var act = () => Http1ResponseParser.ParseContentLength(System.Text.Encoding.ASCII.GetBytes(value));

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)");
    }

    [Theory]
    [InlineData("chunked", true)]
    [InlineData("gzip, chunked", true)]
    [InlineData("gzip", false)]
    [InlineData("CHUNKED", true)]
    public void The_final_coding_decides_whether_the_body_is_chunked(string value, bool chunked)
    {
        bool last = false;
        Http1ResponseParser.CheckTransferEncoding(System.Text.Encoding.ASCII.GetBytes(value), ref last);

        last.Should().Be(chunked);
    }

    [Fact]
    public void A_coding_after_chunked_is_refused()
    {
        bool last = false;
        var act = () => Http1ResponseParser.CheckTransferEncoding("chunked, gzip"u8, ref last);

        act.Should().Throw<Http1ProtocolException>().WithMessage("The backend's Transfer-Encoding applies a coding after chunked. (InvalidResponse)");
    }

    [Theory]
    [InlineData("X-A: 1\n", "The backend's response head holds a bare LF (lines must end with CRLF).")]
    [InlineData("X-A: 1\rX\r\n", "The backend's response head holds a bare CR.")]
    [InlineData("X-A: 1\rX", "The backend's response head holds a bare CR.")]
    public void Bare_CR_and_LF_are_refused(string text, string message)
    {
        var act = () => Http1ResponseParser.TryReadLine(System.Text.Encoding.ASCII.GetBytes(text), 0, out _, out _, "response head");

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)");
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\n\r\n", "The backend's response head holds a bare LF (lines must end with CRLF).")]
    [InlineData("HTTP/1.1 200 OK\nX-A: 1\r\n\r\n", "The backend's response head holds a bare LF (lines must end with CRLF).")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\n\r\n\r\n", "The backend's response head holds a bare LF (lines must end with CRLF).")]
    [InlineData("\nHTTP/1.1 200 OK\r\n\r\n", "The backend's response head holds a bare LF (lines must end with CRLF).")]
    [InlineData("HTTP/1.1 200 O\rK\r\nX-A: 1\r\n\r\n", "The backend's response head holds a bare CR.")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\r\r\n\r\n", "The backend's response head holds a bare CR.")]
    [InlineData("\r\nHTTP/1.1 200 OK\r\n\r\n", "The backend's response head starts with an empty line.")]
    [InlineData("HTTP/1.1 200 OK\nX-A: 1", "The backend's response head holds a bare LF (lines must end with CRLF).")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\rX", "The backend's response head holds a bare CR.")]
    public void A_whole_head_with_a_bare_CR_or_LF_or_an_empty_first_line_is_refused_complete_or_not(string head, string message)
    {
        // Complete heads are found by one search for CRLF CRLF and checked line by line as they are parsed; incomplete
        // ones by the line-by-line search: both name the same fault.
        using var request = Request();
        var buffer = new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(head));

        var act = () => Http1ResponseParser.TryReadHead(buffer, request, null, null, out _, out _, out _, out _, out _, out _);

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)");
    }

    [Theory]
    [InlineData("content-LENGTH: 5\r\nCONNECTION: keep-alive, Close", "ContentLength", 5L, true)]
    [InlineData("Content-Length: 5\r\nConnection: keep-alive\r\nX-Connection: close", "ContentLength", 5L, false)]
    [InlineData("transfer-ENCODING: gzip, chunked\r\nConnectioN: close", "Chunked", -1L, true)]
    [InlineData("Content-Lengths: 5\r\nX-Transfer-Encoding: chunked", "CloseDelimited", -1L, true)]
    public void The_framing_fields_are_recognised_in_any_case_and_no_other_field_is_taken_for_them(string fields, string framing, long length, bool close)
    {
        using var request = Request();
        var buffer = new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n"));

        Http1ResponseParser.TryReadHead(buffer, request, null, null, out var consumed, out var response, out _, out var parsedFraming, out long parsedLength, out bool parsedClose)
            .Should().BeTrue();

        using (response)
        {
            parsedFraming.ToString().Should().Be(framing);
            parsedLength.Should().Be(length);
            parsedClose.Should().Be(close);
            buffer.Slice(consumed).Length.Should().Be(0);
        }
    }

    [Fact]
    public void A_line_whose_CRLF_has_not_arrived_is_incomplete()
    {
        Http1ResponseParser.TryReadLine("X-A: 1\r"u8, 0, out _, out int next, "response head").Should().BeFalse();
        next.Should().Be(0);
    }

    [Theory]
    [InlineData(" X-A: 1", "The backend's response head uses obs-fold (a line continued with leading whitespace), which RFC 9112 refuses.")]
    [InlineData("X-A 1", "The backend's response head holds a line without a colon.")]
    [InlineData("X-A : 1", "The backend's response head holds a field name that is empty or not a token (whitespace before the colon, or an invalid character).")]
    [InlineData(": 1", "The backend's response head holds a field name that is empty or not a token (whitespace before the colon, or an invalid character).")]
    public void An_invalid_field_is_refused(string line, string message)
    {
        var act = () => Http1ResponseParser.ParseField(System.Text.Encoding.Latin1.GetBytes(line), out _, out _, out _, "response head");

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)");
    }

    [Fact]
    public void A_field_keeps_its_inner_whitespace_and_obs_text_and_loses_the_outer()
    {
        Http1ResponseParser.ParseField(System.Text.Encoding.Latin1.GetBytes("X-A: \t a \t b\u00e9 \t"), out var name, out var value, out bool unsafeValue, "response head");

        unsafeValue.Should().BeFalse();
        System.Text.Encoding.ASCII.GetString(name).Should().Be("X-A");
        Http1ResponseParser.FieldValue(value).Should().Be("a \t b\u00e9");
        Http1ResponseParser.FieldName("content-TYPE"u8).Should().BeSameAs("Content-Type");
    }

    [Theory]
    [InlineData("X-A: a\u0000b")]
    [InlineData("X-A: a\u007Fb")]
    [InlineData("X-A: \u001b[31m")]
    public void A_value_with_a_control_character_is_reported_unsafe(string line)
    {
        Http1ResponseParser.ParseField(System.Text.Encoding.Latin1.GetBytes(line), out var name, out _, out bool unsafeValue, "response head");

        unsafeValue.Should().BeTrue();
        System.Text.Encoding.ASCII.GetString(name).Should().Be("X-A");
    }

    private static HttpRequestMessage Request(params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://backend/up");
        foreach (var (name, value) in fields)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    [Fact]
    public void A_101_to_an_upgrade_request_is_final_has_no_body_framing_and_leaves_the_bytes_after_its_head_unread()
    {
        using var request = Request(("Connection", "keep-alive, Upgrade"), ("Upgrade", "websocket"));
        // The head, then a WebSocket frame (FIN + text, length 2, "hi") in the same read.
        var buffer = new System.Buffers.ReadOnlySequence<byte>(
            [.. "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: abc=\r\n\r\n"u8, 0x81, 0x02, (byte)'h', (byte)'i']);
        using var spare = new Http1Response();

        Http1ResponseParser.TryReadHead(buffer, request, spare, null, out var consumed, out var response, out int status, out var framing, out long length, out bool close)
            .Should().BeTrue();

        using (response)
        {
            status.Should().Be(101);
            response!.StatusCode.Should().Be(System.Net.HttpStatusCode.SwitchingProtocols);
            response.Should().NotBeSameAs(spare, "a switched connection's response is never lent");
            response.Headers.GetValues("Sec-WebSocket-Accept").Should().Equal("abc=");
            framing.Should().Be(Http1ResponseFraming.None);
            length.Should().Be(-1);
            close.Should().BeTrue("the connection no longer speaks HTTP/1.1");
            System.Buffers.BuffersExtensions.ToArray(buffer.Slice(consumed)).Should().Equal(0x81, 0x02, (byte)'h', (byte)'i');
        }
    }

    [Theory]
    [InlineData("", "", "The backend switched protocols (101) for a request that asked for no upgrade.")]
    [InlineData("", "websocket", "The backend switched protocols (101) for a request that asked for no upgrade.")]
    [InlineData("Upgrade", "", "The backend switched protocols (101) for a request that asked for no upgrade.")]
    [InlineData("Upgrade", "websocket", "The backend's 101 (Switching Protocols) has no Upgrade field naming the protocol it switched to.", "Connection: Upgrade")]
    [InlineData("Upgrade", "websocket", "The backend's 101 (Switching Protocols) carries Content-Length or Transfer-Encoding, which a 1xx response may not.", "Upgrade: websocket\r\nContent-Length: 0")]
    [InlineData("Upgrade", "websocket", "The backend's 101 (Switching Protocols) carries Content-Length or Transfer-Encoding, which a 1xx response may not.", "Upgrade: websocket\r\nTransfer-Encoding: chunked")]
    public void A_101_the_request_did_not_ask_for_or_with_framing_or_without_Upgrade_is_refused(string connection, string upgrade, string message, string fields = "Upgrade: websocket")
    {
        var asked = new List<(string, string)>();
        if (connection.Length > 0)
        {
            asked.Add(("Connection", connection));
        }

        if (upgrade.Length > 0)
        {
            asked.Add(("Upgrade", upgrade));
        }

        using var request = Request([.. asked]);
        var buffer = new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\n{fields}\r\n\r\n"));

        var act = () => Http1ResponseParser.TryReadHead(buffer, request, null, null, out _, out _, out _, out _, out _, out _);

        act.Should().Throw<Http1ProtocolException>().WithMessage(message + " (InvalidResponse)");
    }
}
