using System.Text;
using EdgeKit.AspNetCore.Protocols;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Protocols;

public sealed class Base64StreamsTests
{
    [Fact]
    public async Task The_encoder_holds_partial_groups_until_a_flush_pads_them()
    {
        var output = new MemoryStream();
        var encoder = new Base64EncodingStream(output, () => true);

        await encoder.WriteAsync(new byte[] { 1, 2 });
        string afterTwo = Encoding.ASCII.GetString(output.ToArray());
        await encoder.WriteAsync(new byte[] { 3, 4 });
        string afterFour = Encoding.ASCII.GetString(output.ToArray());
        await encoder.FlushAsync();
        await encoder.WriteAsync(new byte[] { 5, 6, 7 });

        afterTwo.Should().BeEmpty("two bytes are not a whole group yet");
        afterFour.Should().Be(Convert.ToBase64String([1, 2, 3]));
        Encoding.ASCII.GetString(output.ToArray()).Should().Be(
            Convert.ToBase64String([1, 2, 3]) + Convert.ToBase64String([4]) + Convert.ToBase64String([5, 6, 7]));
    }

    [Fact]
    public async Task The_encoder_passes_bytes_through_when_told_not_to_encode()
    {
        var output = new MemoryStream();
        int asked = 0;
        var encoder = new Base64EncodingStream(output, () => ++asked < 0);

        await encoder.WriteAsync("{\"a\":1}"u8.ToArray());
        await encoder.WriteAsync("x"u8.ToArray());
        await encoder.FlushAsync();

        Encoding.ASCII.GetString(output.ToArray()).Should().Be("{\"a\":1}x");
        asked.Should().Be(1, "the decision is taken once");
    }

    [Fact]
    public async Task The_decoder_reads_padded_fragments_split_anywhere()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        string text = Convert.ToBase64String(data[..1]) + Convert.ToBase64String(data[1..5]) + Convert.ToBase64String(data[5..]);
        var source = new TrickleStream(Encoding.ASCII.GetBytes(text), chunk: 7);
        var decoder = new Base64DecodingStream(source);
        var result = new MemoryStream();
        var buffer = new byte[10];

        int read;
        while ((read = await decoder.ReadAsync(buffer)) > 0)
        {
            result.Write(buffer, 0, read);
        }

        result.ToArray().Should().Equal(data);
    }

    [Theory]
    [InlineData("!!!!", "The gRPC-Web text request body is not valid base64.")]
    [InlineData("AAAAA", "The gRPC-Web text request body ends inside a base64 group.")]
    [InlineData("AA==AAA=A=AA", "The gRPC-Web text request body is not valid base64.")]
    public async Task The_decoder_rejects_bad_base64(string text, string message)
    {
        var decoder = new Base64DecodingStream(new MemoryStream(Encoding.ASCII.GetBytes(text)));

        var read = async () => await decoder.CopyToAsync(Stream.Null);

        (await read.Should().ThrowAsync<InvalidDataException>()).WithMessage(message);
    }

    [Theory]
    [InlineData("application/grpc-web", "Binary", "application/grpc")]
    [InlineData("application/grpc-web+proto", "Binary", "application/grpc+proto")]
    [InlineData("APPLICATION/GRPC-WEB-TEXT+proto", "Text", "application/grpc+proto")]
    [InlineData("application/grpc-web-text", "Text", "application/grpc")]
    [InlineData("application/grpc", "None", null)]
    [InlineData("application/grpc-webby", "None", null)]
    [InlineData(null, "None", null)]
    public void Content_types_map_between_gRPC_Web_and_gRPC(string? contentType, string modeName, string? grpc)
    {
        var mode = Enum.Parse<GrpcWebMode>(modeName);
        GrpcWebProtocol.GetMode(contentType).Should().Be(mode);
        if (grpc is not null)
        {
            GrpcWebProtocol.ToGrpc(contentType!, mode).Should().Be(grpc);
        }
    }

    [Fact]
    public void Backend_content_types_map_back_and_non_gRPC_ones_are_left_alone()
    {
        GrpcWebProtocol.ToGrpcWeb("application/grpc", GrpcWebMode.Binary).Should().Be("application/grpc-web");
        GrpcWebProtocol.ToGrpcWeb("application/grpc+proto", GrpcWebMode.Text).Should().Be("application/grpc-web-text+proto");
        GrpcWebProtocol.ToGrpcWeb("application/problem+json", GrpcWebMode.Binary).Should().BeNull();
        GrpcWebProtocol.ToGrpcWeb("application/grpcx", GrpcWebMode.Binary).Should().BeNull();
        GrpcWebProtocol.ToGrpcWeb(null, GrpcWebMode.Binary).Should().BeNull();
    }

    [Fact]
    public void The_trailer_frame_is_flag_0x80_a_big_endian_length_and_lower_case_header_lines()
    {
        var trailers = new HeaderDictionary { ["Grpc-Status"] = "5", ["X-Multi"] = new(["a", "b"]) };

        var frame = GrpcWebProtocol.CreateTrailerFrame(trailers);

        string lines = "grpc-status: 5\r\nx-multi: a\r\nx-multi: b\r\n";
        frame[..5].Should().Equal(0x80, 0, 0, 0, (byte)lines.Length);
        Encoding.ASCII.GetString(frame, 5, frame.Length - 5).Should().Be(lines);
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, to split base64 groups across reads.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
