using System.Text;
using System.Text.Json;

namespace EdgeKit.Aggregation;

/// <summary>How a placeholder's value is inserted.</summary>
internal enum TemplateContext
{
    /// <summary>A URI path or query: strings unquoted and URI-escaped.</summary>
    Path,

    /// <summary>A header value: strings unquoted, as they are.</summary>
    Header,

    /// <summary>A JSON body: every value as JSON.</summary>
    Body,
}

/// <summary>What a placeholder refers to.</summary>
internal enum PlaceholderKind
{
    Argument,
    Leg,
    Item,
}

/// <summary>One <c>{...}</c> of a template, resolved against the aggregate's legs.</summary>
internal sealed class Placeholder(string text, PlaceholderKind kind, int legIndex, string[] path)
{
    /// <summary>The text between the braces, e.g. <c>order.customerId</c>.</summary>
    public string Text { get; } = text;

    public PlaceholderKind Kind { get; } = kind;

    /// <summary>For <see cref="PlaceholderKind.Leg"/>: the leg's index; otherwise -1.</summary>
    public int LegIndex { get; } = legIndex;

    /// <summary>The path inside the leg's response or the item (empty for the whole), or the argument's name.</summary>
    public string[] Path { get; } = path;

    /// <summary>Finds the value at <see cref="Path"/> in <paramref name="root"/>; false when absent or <c>null</c>.</summary>
    public bool TryFind(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (var segment in Path)
        {
            if (value.ValueKind == JsonValueKind.Object)
            {
                if (!value.TryGetProperty(segment, out value))
                {
                    return false;
                }
            }
            else if (value.ValueKind == JsonValueKind.Array
                && int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                && index < value.GetArrayLength())
            {
                value = value[index];
            }
            else
            {
                return false;
            }
        }

        return value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
    }
}

/// <summary>A parsed template: literal text and placeholders, rendered per request without re-parsing.</summary>
internal sealed class AggregateTemplate
{
    private readonly object[] _parts; // string or Placeholder

    private AggregateTemplate(object[] parts, TemplateContext context)
    {
        _parts = parts;
        Context = context;
        Placeholders = parts.OfType<Placeholder>().ToArray();
    }

    public TemplateContext Context { get; }

    public IReadOnlyList<Placeholder> Placeholders { get; }

    /// <summary>
    /// Parses <paramref name="text"/>. <c>{name}</c> with <c>name</c> of letters, digits, <c>_ - .</c> is a placeholder;
    /// any other <c>{</c> is text (JSON braces in a body), except in a path or header, where it is reported as an error.
    /// </summary>
    public static AggregateTemplate Parse(string text, TemplateContext context, IReadOnlyDictionary<string, int> legs, string where, List<string> errors)
    {
        var parts = new List<object>();
        int literalStart = 0;
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] != '{')
            {
                i++;
                continue;
            }

            int end = i + 1;
            while (end < text.Length && IsNameChar(text[end]))
            {
                end++;
            }

            if (end == i + 1 || end >= text.Length || text[end] != '}')
            {
                if (context != TemplateContext.Body)
                {
                    errors.Add($"{where}: '{text}' has a '{{' at position {i} that opens no placeholder; a placeholder is {{name}} with letters, digits, '_', '-' and '.'.");
                    return new AggregateTemplate([], context);
                }

                i++;
                continue;
            }

            if (i > literalStart)
            {
                parts.Add(text[literalStart..i]);
            }

            parts.Add(Resolve(text[(i + 1)..end], legs, where, errors));
            i = end + 1;
            literalStart = i;
        }

        if (literalStart < text.Length)
        {
            parts.Add(text[literalStart..]);
        }

        return new AggregateTemplate([.. parts], context);
    }

    /// <summary>Resolves a placeholder's text: a leg's name, <c>item</c>, or an argument.</summary>
    public static Placeholder Resolve(string text, IReadOnlyDictionary<string, int> legs, string where, List<string> errors)
    {
        var segments = text.Split('.');
        if (segments.Any(s => s.Length == 0))
        {
            errors.Add($"{where}: placeholder '{{{text}}}' has an empty segment.");
            return new Placeholder(text, PlaceholderKind.Argument, -1, [text]);
        }

        if (string.Equals(segments[0], AggregateCompiler.ItemName, StringComparison.Ordinal))
        {
            return new Placeholder(text, PlaceholderKind.Item, -1, segments[1..]);
        }

        if (legs.TryGetValue(segments[0], out int leg))
        {
            return new Placeholder(text, PlaceholderKind.Leg, leg, segments[1..]);
        }

        if (segments.Length > 1)
        {
            errors.Add($"{where}: placeholder '{{{text}}}' names no leg '{segments[0]}' (arguments have no dots).");
        }

        return new Placeholder(text, PlaceholderKind.Argument, -1, [text]);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    /// <summary>Renders the template; <paramref name="resolve"/> supplies each placeholder's text, or null with an error.</summary>
    public string Render(ValueResolver resolve)
    {
        if (_parts.Length == 1 && _parts[0] is string only)
        {
            return only;
        }

        var builder = new StringBuilder();
        foreach (var part in _parts)
        {
            if (part is string literal)
            {
                builder.Append(literal);
            }
            else
            {
                builder.Append(resolve((Placeholder)part, Context));
            }
        }

        return builder.ToString();
    }

    /// <summary>Formats a JSON value for a context; throws <see cref="AggregateLegException"/> when it cannot be.</summary>
    public static string Format(JsonElement value, TemplateContext context, Placeholder placeholder)
    {
        try
        {
            if (context == TemplateContext.Body)
            {
                return value.GetRawText();
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => context == TemplateContext.Path ? Uri.EscapeDataString(value.GetString()!) : value.GetString()!,
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw new AggregateLegException(AggregateLegOutcome.DependencyFailed,
                    $"the value of {{{placeholder.Text}}} is {(value.ValueKind == JsonValueKind.Object ? "an object" : "an array")}, which cannot be inserted into a {(context == TemplateContext.Path ? "path" : "header")}"),
            };
        }
        catch (InvalidOperationException)
        {
            // Valid JSON syntax, but not text: a lone surrogate escape ("\ud800") or bytes that are not UTF-8 inside a string.
            throw new AggregateLegException(AggregateLegOutcome.DependencyFailed,
                $"the value of {{{placeholder.Text}}} contains a string that is not valid Unicode text, which cannot be inserted");
        }
    }

    /// <summary>Formats an argument (a string) for a context.</summary>
    public static string Format(string value, TemplateContext context) => context switch
    {
        TemplateContext.Path => Uri.EscapeDataString(value),
        TemplateContext.Body => "\"" + JsonEncodedText.Encode(value).ToString() + "\"",
        _ => value,
    };
}

/// <summary>Supplies the text of one placeholder.</summary>
internal delegate string ValueResolver(Placeholder placeholder, TemplateContext context);
