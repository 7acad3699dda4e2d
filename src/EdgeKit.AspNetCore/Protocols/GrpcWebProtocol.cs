using System.Buffers.Binary;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.Protocols;

/// <summary>The gRPC-Web protocol's content types and its trailer frame (gRPC's PROTOCOL-WEB specification).</summary>
internal static class GrpcWebProtocol
{
    public const string GrpcContentType = "application/grpc";
    public const string GrpcWebContentType = "application/grpc-web";
    public const string GrpcWebTextContentType = "application/grpc-web-text";

    /// <summary>The flag byte of a trailer frame: the most significant bit set (an uncompressed message frame has 0).</summary>
    public const byte TrailerFrameFlag = 0x80;

    /// <summary>The wire format named by a request's <c>Content-Type</c>.</summary>
    public static GrpcWebMode GetMode(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(GrpcWebContentType, StringComparison.OrdinalIgnoreCase))
        {
            return GrpcWebMode.None;
        }

        var rest = contentType.AsSpan(GrpcWebContentType.Length);
        if (rest.StartsWith("-text", StringComparison.OrdinalIgnoreCase))
        {
            return IsEndOfType(rest[5..]) ? GrpcWebMode.Text : GrpcWebMode.None;
        }

        return IsEndOfType(rest) ? GrpcWebMode.Binary : GrpcWebMode.None;
    }

    /// <summary>
    /// The gRPC content type for a gRPC-Web one, keeping the message format suffix and parameters:
    /// <c>application/grpc-web-text+proto</c> becomes <c>application/grpc+proto</c>.
    /// </summary>
    public static string ToGrpc(string contentType, GrpcWebMode mode)
    {
        int prefix = mode == GrpcWebMode.Text ? GrpcWebTextContentType.Length : GrpcWebContentType.Length;
        return contentType.Length == prefix ? GrpcContentType : string.Concat(GrpcContentType, contentType.AsSpan(prefix));
    }

    /// <summary>
    /// The gRPC-Web content type for a backend's gRPC one (<c>application/grpc+proto</c> becomes
    /// <c>application/grpc-web+proto</c>), or <see langword="null"/> when the answer is not gRPC (an error page, the
    /// gateway's own problem details).
    /// </summary>
    public static string? ToGrpcWeb(string? contentType, GrpcWebMode mode)
    {
        if (contentType is null || !contentType.StartsWith(GrpcContentType, StringComparison.OrdinalIgnoreCase)
            || !IsEndOfType(contentType.AsSpan(GrpcContentType.Length)))
        {
            return null;
        }

        string target = mode == GrpcWebMode.Text ? GrpcWebTextContentType : GrpcWebContentType;
        return contentType.Length == GrpcContentType.Length ? target : string.Concat(target, contentType.AsSpan(GrpcContentType.Length));
    }

    /// <summary>
    /// The trailer frame: the flag byte, a 4-byte big-endian length, then the trailers as HTTP/1.1 header lines with
    /// lower-case names (<c>grpc-status: 0\r\n</c>).
    /// </summary>
    public static byte[] CreateTrailerFrame(IHeaderDictionary trailers)
    {
        var text = new StringBuilder();
        foreach (var (name, values) in trailers)
        {
            foreach (var value in (StringValues)values)
            {
                text.Append(name.ToLowerInvariant()).Append(": ").Append(value).Append("\r\n");
            }
        }

        string lines = text.ToString();
        int length = Encoding.ASCII.GetByteCount(lines);
        var frame = new byte[5 + length];
        frame[0] = TrailerFrameFlag;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1, 4), length);
        Encoding.ASCII.GetBytes(lines, frame.AsSpan(5));
        return frame;
    }

    // After the type comes nothing, a format suffix (+proto, +json) or parameters (;charset=...).
    private static bool IsEndOfType(ReadOnlySpan<char> rest) => rest.IsEmpty || rest[0] is '+' or ';';
}
