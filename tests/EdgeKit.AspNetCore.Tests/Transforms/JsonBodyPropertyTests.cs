using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.PropertyTesting;

namespace EdgeKit.AspNetCore.Tests.Transforms;

/// <summary>Properties of the JSON body transform: its media-type check, its bounded reader and the transform itself.</summary>
public sealed class JsonBodyPropertyTests
{
    private static readonly JsonBodyOperation[] s_operations =
    [
        new("user.password", JsonBodyAction.Remove, null, null),
        new("a", JsonBodyAction.Rename, "b", null),
        new("meta.source", JsonBodyAction.Set, null, JsonValue.Create("gateway")),
    ];

    /// <summary>Bodies: JSON made of the names the operations touch, JSON-ish text, and raw bytes.</summary>
    private static readonly Gen<byte[]> s_body = Gen.OneOf<byte[]>(
        HostileText.Mixed("{", "}", "[", "]", "\"a\":", "\"b\":", "\"user\":", "\"password\":", "\"meta\":", "1", "null", ",", "\"x\"", "\\u0000", "\\ud800", "{\"a\":1,\"a\":2}").Select(Encoding.UTF8.GetBytes),
        HostileText.Bytes(),
        Gen.OneOf("{\"a\":1,\"a\":2}", "{\"user\":{\"password\":1,\"password\":2}}", "{\"meta\":{\"source\":1,\"source\":2}}", "{\"a\":1,\"b\":2}", "{\"a\":\"\\ud800\"}", "{\"\\ud800\":1}")
            .Select(Encoding.UTF8.GetBytes));

    [Fact]
    public void Transform_answers_null_for_anything_that_is_not_JSON_text_and_valid_JSON_otherwise()
    {
        s_body.Sample(body =>
        {
            byte[]? output = JsonBody.Transform(body, s_operations);
            bool isJson = IsJson(body);
            if (output is null == isJson)
            {
                throw new InvalidOperationException($"{Convert.ToHexString(body)} ({(isJson ? "JSON" : "not JSON")}) gave {(output is null ? "null" : Encoding.UTF8.GetString(output))}");
            }

            if (output is not null)
            {
                using var document = JsonDocument.Parse(output);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && (document.RootElement.TryGetProperty("a", out _)
                        || (document.RootElement.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object && user.TryGetProperty("password", out _))))
                {
                    throw new InvalidOperationException($"{Encoding.UTF8.GetString(body)} kept a property the operations remove: {Encoding.UTF8.GetString(output)}");
                }
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void IsJson_never_throws_and_agrees_with_the_media_type_grammar()
    {
        HostileText.Mixed("application/json", "application/problem+json", "text/json", "+json", ";", " ", "charset=utf-8").Sample(mediaType =>
        {
            string type = mediaType.Split(';')[0].Trim();
            bool expected = type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
            if (JsonBody.IsJson(mediaType) != expected)
            {
                throw new InvalidOperationException($"'{mediaType}'");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void ReadAsync_returns_the_whole_body_up_to_the_limit_and_null_past_it()
    {
        Gen.Select(Gen.Int[0, 20000], Gen.Int[0, 20000], Gen.Int[1, 5000]).Sample((length, limit, chunk) =>
        {
            var body = new byte[length];
            Random.Shared.NextBytes(body);
            var read = JsonBody.ReadAsync(new ChunkedStream(body, chunk), limit, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (length > limit ? read is not null : read is null || !read.AsSpan().SequenceEqual(body))
            {
                throw new InvalidOperationException($"length {length}, limit {limit}, chunk {chunk}: {(read is null ? "null" : read.Length + " bytes")}");
            }
        }, iter: 500);
    }

    [Fact]
    public void Transform_is_bounded_on_deep_and_wide_bodies()
    {
        var clock = Stopwatch.StartNew();
        foreach (string text in new[] { new string('[', 100_000), string.Concat(Enumerable.Repeat("{\"a\":", 10_000)), "[" + string.Join(",", Enumerable.Repeat("{\"a\":1}", 100_000)) + "]" })
        {
            _ = JsonBody.Transform(Encoding.UTF8.GetBytes(text), s_operations);
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    private static bool IsJson(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return IsText(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false; // InvalidOperationException: a property name that is not text, met while looking for duplicates
        }
    }

    /// <summary>Whether every string and property name reads as text (no lone surrogate escape, no bytes that are not UTF-8).</summary>
    private static bool IsText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    return element.EnumerateArray().All(IsText);
                case JsonValueKind.Object:
                    return element.EnumerateObject().All(p => p.Name is not null && IsText(p.Value));
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
