using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeKit.Aggregation;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Protocols;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Auth;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using EdgeKit.PropertyTesting;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;

namespace EdgeKit.Fuzz;

/// <summary>
/// One fuzz target per hand-written parser. Each takes AFL's input bytes, feeds them to the parser, and checks what the
/// property tests check: only the documented outcome (a value, false, null, or the documented exception), never
/// another exception, and round trips where the parser has a writer. A broken invariant throws, which AFL records as a crash.
/// </summary>
internal static class Targets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["cache-control"] = CacheControlField,
        ["cache-freshness"] = CacheFreshness,
        ["ratelimit"] = RateLimit,
        ["hmac-authorization"] = HmacAuthorizationHeader,
        ["forwarded"] = Forwarded,
        ["x-forwarded-for"] = XForwardedFor,
        ["json-body"] = JsonBodyTransform,
        ["grpc-web"] = GrpcWeb,
        ["aggregate-template"] = AggregateTemplates,
        ["path-pattern"] = PathPattern,
    };

    /// <summary>
    /// Targets that fail on purpose, left out of <see cref="All"/>: <c>run.sh canary 15</c> must report a crash and exit
    /// non-zero, which proves the harness sees failures.
    /// </summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> Canaries { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["canary"] = input =>
        {
            _ = CacheControl.Parse(Text(input)); // instrumented code, so that AFL sees coverage
            Check(input.Length == 0 || input[0] != (byte)'!', "the canary's input starts with '!'");
        },
    };

    private static readonly TimeSpan s_maxDelta = TimeSpan.FromSeconds(2147483648);

    private static string Text(byte[] input) => Encoding.UTF8.GetString(input);

    private static string[] Lines(byte[] input) => Text(input).Split('\n');

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("invariant broken: " + what);
        }
    }

    private static void CacheControlField(byte[] input)
    {
        var cc = CacheControl.Parse(Text(input));
        foreach (var duration in new[] { cc.MaxAge, cc.SharedMaxAge, cc.MinFresh, cc.StaleWhileRevalidate, cc.StaleIfError })
        {
            Check(duration is not { } d || (d >= TimeSpan.Zero && d <= s_maxDelta), "a Cache-Control duration within delta-seconds");
        }
    }

    /// <summary>Lines: Cache-Control, Date, Expires, Last-Modified, Age, Vary.</summary>
    private static void CacheFreshness(byte[] input)
    {
        string?[] fields = [.. Lines(input), null, null, null, null, null, null];
        var options = new HttpCacheOptions();
        var now = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
        using var message = new HttpRequestMessage(HttpMethod.Get, "http://cache.test/a");
        var facts = new ResponseFacts(200, fields[0], fields[2], fields[1], fields[3], "\"v\"", fields[5], fields[4], false, 10);
        var decision = CacheSemantics.DecideStore(new HttpRequestMessageCacheRequest(message), facts, options, now, now);
        Check(!decision.Storable || (decision.TimeToLive > TimeSpan.Zero && decision.TimeToLive <= 2 * s_maxDelta + options.StaleRetention), "a bounded time to live");
        if (fields[5] is { } vary)
        {
            string[] names = CacheSemantics.ParseVary(vary);
            Check(CacheSemantics.ParseVary(string.Join(", ", names)).SequenceEqual(names), "Vary names read back");
        }
    }

    /// <summary>Lines: RateLimit field lines; then the writer's output for a quota read back by the reader.</summary>
    private static void RateLimit(byte[] input)
    {
        string[] lines = Lines(input);
        if (RateLimitField.TryParse(lines, out long remaining, out var reset))
        {
            Check(remaining >= 0 && reset >= TimeSpan.Zero, "a non-negative remaining and reset");
        }

        if (input.Length >= 16)
        {
            long limit = Math.Max(1, BitConverter.ToInt64(input, 0) & long.MaxValue);
            long left = (BitConverter.ToInt64(input, 8) & long.MaxValue) % (limit + (limit == long.MaxValue ? 0 : 1));
            var quota = new EdgeKit.RateLimiting.RateLimitQuota("fuzz", limit, TimeSpan.FromSeconds(1), Math.Min(left, limit), TimeSpan.FromTicks(input.Length * 3_333_333L));
            Check(RateLimitField.TryParse([RateLimitHeaders.FormatRateLimit(quota)], out long r, out var t) && r == quota.Remaining
                && t == TimeSpan.FromSeconds(RateLimitHeaders.WholeSecondsUp(quota.ResetAfter)), "RateLimit reads back as written");
        }
    }

    private static void HmacAuthorizationHeader(byte[] input)
    {
        string text = Text(input);
        foreach (string value in new[] { text, HmacSignature.Scheme + " " + text })
        {
            if (HmacSignature.TryParseAuthorization(value, out var parsed))
            {
                Check(parsed.KeyId.Length > 0 && parsed.Nonce.Length > 0 && parsed.Signature.Length > 0, "complete parameters");
                string written = HmacSignature.FormatAuthorization(parsed.KeyId, parsed.Nonce, parsed.SignedHeaders, parsed.Signature);
                Check(HmacSignature.TryParseAuthorization(written, out var again) && again.KeyId == parsed.KeyId && again.Nonce == parsed.Nonce
                    && again.Signature == parsed.Signature && again.SignedHeaders.SequenceEqual(parsed.SignedHeaders.Select(h => h.ToLowerInvariant())),
                    "the authorization header reads back as written");
                _ = HmacSignature.Verify("secret"u8, "text", parsed.Signature);
            }
        }
    }

    /// <summary>The input is the request's Host (Kestrel admits visible ASCII); the element written must be RFC 7239 syntax carrying it.</summary>
    private static void Forwarded(byte[] input)
    {
        string host = Encoding.Latin1.GetString(input);
        if (host.Length == 0 || host.Any(c => c is < '!' or > '~'))
        {
            return;
        }

        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse("2001:db8::1");
        http.Connection.RemotePort = input.Length;
        http.Request.Scheme = "https";
        http.Request.Headers.Host = host;
        var transform = new ForwardedTransform(ForwardedHeaderAction.Set, ForwardedNodeFormat.IpAndPort, ForwardedNodeFormat.None, true, true, TrustedProxies.None);
        var pairs = ForwardedElement.Parse(transform.BuildElement(http)!);
        Check(pairs.Count == 3 && pairs[0] == ("for", "[2001:db8::1]:" + input.Length.ToString(CultureInfo.InvariantCulture)) && pairs[2] == ("host", http.Request.Host.Value!),
            "the Forwarded element reads back");
    }

    // Objects of the instrumented assemblies are made inside the targets, never in a static initializer: instrumented
    // code may only run once SharpFuzz has attached AFL's shared memory (inside Fuzzer.Run).
    private static ClientIpResolver? s_resolver;

    private static void XForwardedFor(byte[] input)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.1");
        http.Request.Headers["X-Forwarded-For"] = Lines(input);
        s_resolver ??= new(TrustedProxies.Parse(["10.0.0.1", "192.168.0.0/16", "fd00::/8"], "p", []), "X-Forwarded-For");
        Check(s_resolver.Resolve(http) is not null, "an address for a request from a trusted proxy");
    }

    private static JsonBodyOperation[]? s_operations;

    private static void JsonBodyTransform(byte[] input)
    {
        s_operations ??=
        [
            new("user.password", JsonBodyAction.Remove, null, null),
            new("a", JsonBodyAction.Rename, "b", null),
            new("meta.source", JsonBodyAction.Set, null, System.Text.Json.Nodes.JsonValue.Create("gateway")),
        ];
        _ = JsonBody.IsJson(Text(input));
        if (JsonBody.Transform(input, s_operations) is { } output)
        {
            using var document = JsonDocument.Parse(output);
            Check(document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("a", out _), "a renamed property is gone");
        }
    }

    /// <summary>The input is a gRPC-Web text request body (decoded in reads of varying size) and a content type.</summary>
    private static void GrpcWeb(byte[] input)
    {
        using (var decoder = new Base64DecodingStream(new TrickleStream(input)))
        {
            var buffer = new byte[7];
            try
            {
                while (decoder.Read(buffer, 0, 1 + (input.Length % buffer.Length)) > 0)
                {
                }
            }
            catch (InvalidDataException)
            {
                // The documented answer to a body that is not base64 (the forwarder turns it into a 400).
            }
        }

        // Encode then decode: the bytes come back, whatever the write sizes and flushes.
        var encoded = new MemoryStream();
        var encoder = new Base64EncodingStream(encoded, () => true);
        for (int i = 0; i < input.Length; i += 5)
        {
            encoder.Write(input, i, Math.Min(5, input.Length - i));
            if (input[i] % 3 == 0)
            {
                encoder.Flush();
            }
        }

        encoder.Flush();
        var decoded = new MemoryStream();
        new Base64DecodingStream(new MemoryStream(encoded.ToArray())).CopyTo(decoded);
        Check(decoded.ToArray().AsSpan().SequenceEqual(input), "gRPC-Web text round trip");

        string contentType = Text(input);
        var mode = GrpcWebProtocol.GetMode(contentType);
        if (mode != GrpcWebMode.None)
        {
            string grpc = GrpcWebProtocol.ToGrpc(contentType, mode);
            Check(string.Equals(GrpcWebProtocol.ToGrpcWeb(grpc, mode), contentType, StringComparison.OrdinalIgnoreCase), "content type round trip");
        }
    }

    private static readonly Dictionary<string, int> s_legs = new(StringComparer.Ordinal) { ["order"] = 0, ["customer"] = 1 };

    private static void AggregateTemplates(byte[] input)
    {
        string text = Text(input);
        foreach (var context in new[] { TemplateContext.Path, TemplateContext.Header, TemplateContext.Body })
        {
            var errors = new List<string>();
            var template = AggregateTemplate.Parse(text, context, s_legs, "fuzz", errors);
            if (errors.Count == 0)
            {
                Check(template.Render((p, _) => "{" + p.Text + "}") == text, "a template renders back as written");
            }
        }

        try
        {
            using var document = JsonDocument.Parse(input);
            var placeholder = new Placeholder("order.id", PlaceholderKind.Leg, 0, []);
            foreach (var context in new[] { TemplateContext.Path, TemplateContext.Header, TemplateContext.Body })
            {
                try
                {
                    _ = AggregateTemplate.Format(document.RootElement, context, placeholder);
                }
                catch (AggregateLegException)
                {
                    // The documented failure: the dependent leg fails with a message.
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the leg's response is refused before any value is read.
        }
    }

    /// <summary>Lines: the pattern, then the value of its parameters.</summary>
    private static void PathPattern(byte[] input)
    {
        string[] lines = Lines(input);
        RoutePattern pattern;
        try
        {
            pattern = RoutePatternFactory.Parse(lines[0]);
        }
        catch (Exception e) when (e is RoutePatternException or InvalidOperationException)
        {
            // Refused at configuration time, with the key named (InvalidOperationException: past 28 segments); the text is then a value of a valid pattern (every
            // input runs EdgeKit's code, which AFL needs for a seed).
            pattern = RoutePatternFactory.Parse("/v2/{a}/{**rest}");
            lines = ["", lines[0]];
        }

        var http = new DefaultHttpContext();
        foreach (var parameter in pattern.Parameters)
        {
            http.Request.RouteValues[parameter.Name] = lines.Length > 1 ? lines[1] : null;
        }

        using var request = new HttpRequestMessage();
        var context = new RequestTransformContext(http, request, "http://backend");
        new PathPatternTransform(pattern).ApplyAsync(context).AsTask().GetAwaiter().GetResult();
        Check(context.Path.HasValue && context.Path.Value![0] == '/', "a path that starts with '/'");
        _ = context.Path.ToUriComponent();
    }

    /// <summary>Hands out at most 3 bytes per read, as a slow client's body arrives.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 3));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 3)], cancellationToken);
    }
}
