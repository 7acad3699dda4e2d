using System.Buffers;
using System.Text;
using EdgeKit.AspNetCore.Transport;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// The request head as EdgeKit's transport writes it (issue 20): byte for byte, with a one-value ASCII field written in
/// one piece, lists joined, non-ASCII values sent as the client's UTF-8 bytes, and a value that could split the head
/// (CR, LF, NUL) refused whichever way it is written.
/// </summary>
public sealed class Http1RequestWriterTests
{
    private static string Write(HttpRequestMessage request, out Http1BodyFraming framing, out long length)
    {
        var writer = new ArrayBufferWriter<byte>(16);
        framing = Http1RequestWriter.WriteHead(writer, request, request.RequestUri!, Http1RequestWriter.HostField(request.RequestUri!), out length);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    [Fact]
    public void A_head_is_written_byte_for_byte_with_single_values_lists_cookies_and_utf8_values()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://10.0.0.11:8080/orders/42?expand=lines");
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        request.Headers.TryAddWithoutValidation("X-Empty", "");
        request.Headers.TryAddWithoutValidation("X-List", ["a", "b"]);
        request.Headers.TryAddWithoutValidation("Cookie", ["s=1", "t=2"]);
        request.Headers.TryAddWithoutValidation("X-Name", "Zoë");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.0.0.7");

        string head = Write(request, out var framing, out long length);

        head.Should().Be(
            "GET /orders/42?expand=lines HTTP/1.1\r\n" +
            "Host: 10.0.0.11:8080\r\n" +
            "Accept: application/json\r\n" +
            "X-Empty: \r\n" +
            "X-List: a, b\r\n" +
            "Cookie: s=1; t=2\r\n" +
            "X-Name: Zoë\r\n" +
            "X-Forwarded-For: 10.0.0.7\r\n" +
            "\r\n");
        framing.Should().Be(Http1BodyFraming.None);
        length.Should().Be(0);
    }

    [Fact]
    public void A_body_with_a_length_is_framed_by_it_and_its_content_fields_follow_the_others()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://backend/items") { Content = new ByteArrayContent("hello"u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        request.Headers.TryAddWithoutValidation("X-A", "1");

        string head = Write(request, out var framing, out long length);

        head.Should().Be("POST /items HTTP/1.1\r\nHost: backend\r\nX-A: 1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
        framing.Should().Be(Http1BodyFraming.ContentLength);
        length.Should().Be(5);
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    [InlineData("Zoë\r\nX-Injected: 1")]
    public void A_value_holding_CR_LF_or_NUL_is_not_sent_alone_or_in_a_list(string value)
    {
        using var single = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
        single.Headers.TryAddWithoutValidation("X-Bad", value);
        using var list = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
        list.Headers.TryAddWithoutValidation("X-Bad", ["ok", value]);

        foreach (var request in new[] { single, list })
        {
            var act = () => Write(request, out _, out _);

            act.Should().Throw<HttpRequestException>().WithMessage("The value of the request header 'X-Bad' holds CR, LF or NUL; it is not sent.");
        }
    }
}
