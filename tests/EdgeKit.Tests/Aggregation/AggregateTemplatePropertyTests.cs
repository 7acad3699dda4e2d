using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeKit.Aggregation;
using EdgeKit.PropertyTesting;

namespace EdgeKit.Tests.Aggregation;

/// <summary>Properties of the aggregate templates (<c>/orders/{order.customerId}</c>): the parser, the renderer and the value formatter.</summary>
public sealed class AggregateTemplatePropertyTests
{
    private static readonly Dictionary<string, int> s_legs = new(StringComparer.Ordinal) { ["order"] = 0, ["customer"] = 1 };

    private static readonly Gen<TemplateContext> s_context = Gen.OneOf(TemplateContext.Path, TemplateContext.Header, TemplateContext.Body);

    private static readonly Gen<string> s_template = HostileText.Mixed("{", "}", "{order.id}", "{customer}", "{item.a.0}", "{id}", "{a..b}", "{.}", "{{", "}}", "{\"a\":1}", "order.");

    [Fact]
    public void Parse_never_throws_and_rendering_each_placeholder_as_itself_gives_the_text_back()
    {
        Gen.Select(s_template, s_context).Sample((text, context) =>
        {
            var errors = new List<string>();
            var template = AggregateTemplate.Parse(text, context, s_legs, "Aggregates:a:Legs:b:Path", errors);
            if (errors.Count > 0)
            {
                if (context == TemplateContext.Body && !errors.All(e => e.Contains("placeholder '{", StringComparison.Ordinal)))
                {
                    throw new InvalidOperationException($"'{text}' in a body: {string.Join("; ", errors)}");
                }

                return;
            }

            string rendered = template.Render((placeholder, _) => "{" + placeholder.Text + "}");
            if (rendered != text)
            {
                throw new InvalidOperationException($"'{text}' rendered as '{rendered}'");
            }

            foreach (var placeholder in template.Placeholders)
            {
                if (placeholder.Kind == PlaceholderKind.Leg && placeholder.LegIndex != s_legs[placeholder.Text.Split('.')[0]])
                {
                    throw new InvalidOperationException($"'{placeholder.Text}' resolved to leg {placeholder.LegIndex}");
                }
            }
        }, iter: HostileText.Iterations);
    }

    /// <summary>
    /// Whatever JSON a leg answers, inserting one of its values either succeeds or fails the leg with
    /// <see cref="AggregateLegException"/> (never another exception); a path value unescapes to the string, a body value is JSON.
    /// </summary>
    [Fact]
    public void Format_inserts_any_json_value_or_fails_the_leg_with_AggregateLegException()
    {
        var placeholder = new Placeholder("order.id", PlaceholderKind.Leg, 0, ["id"]);
        var json = Gen.OneOf<string>(
            HostileText.String(30).Where(IsWellFormedUtf16).Select(s => JsonSerializer.Serialize(s)),
            HostileText.String(30).Select(s => "\"" + s + "\""),
            Gen.OneOf("\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud83d\\ude00\"", "\"\\u0000\\r\\n\"", "1e400", "-0", "123456789012345678901234567890", "[1,2]", "{\"a\":1}", "true", "null"));
        // A leg's body arrives as bytes: as UTF-8 text, or as any bytes inside a JSON string.
        var body = Gen.OneOf<byte[]>(json.Select(Encoding.UTF8.GetBytes), HostileText.Bytes(12).Select(b => (byte[])[(byte)'"', .. b, (byte)'"']));
        Gen.Select(body, s_context).Sample((bytes, context) =>
        {
            string text = Convert.ToHexString(bytes);
            JsonElement value;
            try
            {
                using var document = JsonDocument.Parse(bytes);
                value = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return; // not JSON: the leg's response is rejected before any value is read
            }

            string formatted;
            try
            {
                formatted = AggregateTemplate.Format(value, context, placeholder);
            }
            catch (AggregateLegException)
            {
                return;
            }

            if (context == TemplateContext.Path && value.ValueKind == JsonValueKind.String && Uri.UnescapeDataString(formatted) != value.GetString())
            {
                throw new InvalidOperationException($"{text} in a path gave '{formatted}'");
            }

            if (context == TemplateContext.Body)
            {
                using var _ = JsonDocument.Parse(formatted);
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void Format_of_an_argument_escapes_it_for_its_context()
    {
        HostileText.String(60).Sample(argument =>
        {
            if (!IsWellFormedUtf16(argument))
            {
                return; // arguments come from the request's route values and query, which are valid strings
            }

            string path = AggregateTemplate.Format(argument, TemplateContext.Path);
            using var body = JsonDocument.Parse(AggregateTemplate.Format(argument, TemplateContext.Body));
            if (Uri.UnescapeDataString(path) != argument || body.RootElement.GetString() != argument)
            {
                throw new InvalidOperationException($"'{argument}' gave path '{path}'");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void Parse_is_linear_on_huge_inputs()
    {
        var clock = Stopwatch.StartNew();
        foreach (string text in HostileText.Huge("{", "{a", "{order.id}", "{a.b.c.d.e.f"))
        {
            _ = AggregateTemplate.Parse(text, TemplateContext.Body, s_legs, "where", []);
            _ = AggregateTemplate.Parse(text, TemplateContext.Path, s_legs, "where", []);
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    private static bool IsWellFormedUtf16(string text)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}
