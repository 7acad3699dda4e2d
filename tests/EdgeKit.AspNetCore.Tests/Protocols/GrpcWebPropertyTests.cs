using System.Buffers.Binary;
using System.Text;
using CsCheck;
using EdgeKit.AspNetCore.Protocols;
using EdgeKit.PropertyTesting;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Protocols;

/// <summary>Properties of gRPC-Web's framing: the text format's base64 streams, the content types and the trailer frame.</summary>
public sealed class GrpcWebPropertyTests
{
    /// <summary>Whatever the write sizes and flushes, the encoder's output decodes back to the bytes, whatever the read sizes.</summary>
    [Fact]
    public void Text_bodies_encode_and_decode_back_under_any_chunking()
    {
        Gen.Select(HostileText.Bytes(600), Gen.Int[1, 40].Array[1, 20], Gen.Bool.Array[1, 20], Gen.Int[1, 50]).Sample((body, writes, flushes, readSize) =>
        {
            var encoded = new MemoryStream();
            var encoder = new Base64EncodingStream(encoded, () => true);
            int position = 0;
            for (int i = 0; position < body.Length; i++)
            {
                int count = Math.Min(writes[i % writes.Length], body.Length - position);
                encoder.Write(body, position, count);
                position += count;
                if (flushes[i % flushes.Length])
                {
                    encoder.Flush();
                }
            }

            encoder.Flush();
            var decoded = ReadAll(new Base64DecodingStream(new TrickleStream(encoded.ToArray(), readSize)), readSize);
            if (!decoded.AsSpan().SequenceEqual(body))
            {
                throw new InvalidOperationException($"{body.Length} bytes came back as {decoded.Length}");
            }
        }, iter: 1000);
    }

    [Fact]
    public void The_decoder_answers_any_body_with_bytes_or_InvalidDataException()
    {
        var base64ish = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \r\n-_"].Array[0, 200].Select(c => Encoding.ASCII.GetBytes(c));
        Gen.Select(Gen.OneOf<byte[]>(base64ish, HostileText.Bytes()), Gen.Int[1, 50]).Sample((body, readSize) =>
        {
            try
            {
                _ = ReadAll(new Base64DecodingStream(new TrickleStream(body, readSize)), readSize);
            }
            catch (InvalidDataException)
            {
                // the documented answer to a body that is not base64 (the forwarder answers 400)
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void Content_types_translate_to_gRPC_and_back()
    {
        var suffix = HostileText.Mixed("+proto", "+json", ";", "charset=utf-8", " ", "-text", "+");
        Gen.Select(Gen.OneOf("application/grpc-web", "application/grpc-web-text", "Application/GRPC-Web-Text"), suffix).Sample((type, rest) =>
        {
            string contentType = type + rest;
            var mode = GrpcWebProtocol.GetMode(contentType);
            bool expected = rest.Length == 0 || rest[0] is '+' or ';';
            bool text = type.EndsWith("-text", StringComparison.OrdinalIgnoreCase);
            if ((mode != GrpcWebMode.None) != (expected || (!text && rest.StartsWith("-text", StringComparison.OrdinalIgnoreCase) && (rest.Length == 5 || rest[5] is '+' or ';'))))
            {
                throw new InvalidOperationException($"'{contentType}' read as {mode}");
            }

            if (mode != GrpcWebMode.None)
            {
                string grpc = GrpcWebProtocol.ToGrpc(contentType, mode);
                if (!grpc.StartsWith("application/grpc", StringComparison.Ordinal) || GrpcWebProtocol.GetMode(grpc) != GrpcWebMode.None
                    || !string.Equals(GrpcWebProtocol.ToGrpcWeb(grpc, mode), contentType, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"'{contentType}' ({mode}) became '{grpc}' and back '{GrpcWebProtocol.ToGrpcWeb(grpc, mode)}'");
                }
            }
        }, iter: HostileText.Iterations);
    }

    /// <summary>The trailer frame reads back, by the specification's framing, as the trailers written into it.</summary>
    [Fact]
    public void The_trailer_frame_reads_back_as_the_trailers()
    {
        var name = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_."].Array[1, 12].Select(c => new string(c));
        var value = Gen.Char[' ', '~'].Array[0, 30].Select(c => new string(c).Trim());
        Gen.Select(name, value).Array[0, 6].Sample(pairs =>
        {
            var trailers = new HeaderDictionary();
            foreach (var (n, v) in pairs)
            {
                trailers.Append(n, v);
            }

            byte[] frame = GrpcWebProtocol.CreateTrailerFrame(trailers);
            int length = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(1, 4));
            var lines = Encoding.ASCII.GetString(frame, 5, length).Split("\r\n");
            var expected = trailers.SelectMany(t => t.Value.Select(v => $"{t.Key.ToLowerInvariant()}: {v}")).ToList();
            if (frame[0] != GrpcWebProtocol.TrailerFrameFlag || length != frame.Length - 5 || lines[^1].Length != 0 || !lines[..^1].SequenceEqual(expected))
            {
                throw new InvalidOperationException($"frame of {frame.Length} bytes: [{string.Join("|", lines)}] expected [{string.Join("|", expected)}]");
            }
        }, iter: HostileText.Iterations);
    }

    private static byte[] ReadAll(Stream stream, int readSize)
    {
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a slow client's body arrives.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
