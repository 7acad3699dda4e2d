using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Reads a JSON body with a size bound, applies the operations, and writes it back.</summary>
internal static class JsonBody
{
    /// <summary>Whether a media type is JSON (<c>application/json</c> or <c>*/*+json</c>).</summary>
    public static bool IsJson(string? mediaType)
    {
        if (string.IsNullOrEmpty(mediaType))
        {
            return false;
        }

        var type = mediaType.AsSpan();
        int semicolon = type.IndexOf(';');
        if (semicolon >= 0)
        {
            type = type[..semicolon];
        }

        type = type.Trim();
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; <see langword="null"/> when the body is longer.</summary>
    public static async ValueTask<byte[]?> ReadAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, 4096), Math.Min(limit + 1, Array.MaxLength)));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }

                length += read;
                if (length > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A repeated property name is refused: which one a backend keeps is its parser's choice, so a property removed here
    /// could reach it through its twin.
    /// </summary>
    private static readonly JsonDocumentOptions s_documentOptions = new() { AllowDuplicateProperties = false };

    /// <summary>
    /// Applies <paramref name="operations"/> to <paramref name="utf8"/>; <see langword="null"/> when it is not JSON, repeats
    /// a property name, or holds a string that is not text (a lone surrogate escape, bytes that are not UTF-8).
    /// </summary>
    public static byte[]? Transform(byte[] utf8, IReadOnlyList<JsonBodyOperation> operations)
    {
        try
        {
            var root = JsonNode.Parse(utf8, documentOptions: s_documentOptions);
            foreach (var operation in operations)
            {
                operation.Apply(root);
            }

            var output = new ArrayBufferWriter<byte>(utf8.Length + 64);
            using (var writer = new Utf8JsonWriter(output))
            {
                if (root is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    root.WriteTo(writer);
                }
            }

            return output.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // Valid JSON syntax, but a string or name that cannot be read as text ("\ud800", invalid UTF-8): found when
            // an operation or the writer reads it.
            return null;
        }
    }
}
