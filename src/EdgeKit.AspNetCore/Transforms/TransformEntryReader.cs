using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Reads one entry's settings, adding a message for each bad one.</summary>
internal readonly struct TransformEntryReader(string path, string kind, Dictionary<string, string?> entry, List<string> errors)
{
    public string Value => entry[kind] ?? string.Empty;

    public string? Get(string key) => entry.TryGetValue(key, out var value) ? value ?? string.Empty : null;

    public PathString PathValue()
    {
        string value = Value;
        if (value.Length == 0 || value[0] != '/')
        {
            errors.Add($"{path}: {kind} '{value}' must start with '/'.");
            return PathString.Empty;
        }

        if (value.Contains('?', StringComparison.Ordinal) || value.Contains('#', StringComparison.Ordinal))
        {
            errors.Add($"{path}: {kind} '{value}' must be a path without '?' or '#'; use QueryParameter for the query.");
            return PathString.Empty;
        }

        return new PathString(value == "/" && kind == PathPrefix ? string.Empty : value);
    }

    public RoutePattern? Pattern(string? matchPath)
    {
        string value = Value;
        if (value.Length == 0 || value[0] != '/')
        {
            errors.Add($"{path}: PathPattern '{value}' must start with '/'.");
            return null;
        }

        RoutePattern pattern;
        try
        {
            pattern = RoutePatternFactory.Parse(value);
        }
        catch (Exception ex) when (ex is RoutePatternException or InvalidOperationException)
        {
            // InvalidOperationException: a template past routing's 28 segments.
            errors.Add($"{path}: PathPattern '{value}' is not a valid route template: {ex.Message}");
            return null;
        }

        HashSet<string> captured = new(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var parameter in RoutePatternFactory.Parse(matchPath ?? RouteMatchOptions.CatchAllTemplate).Parameters)
            {
                captured.Add(parameter.Name);
            }
        }
        catch (Exception ex) when (ex is RoutePatternException or InvalidOperationException)
        {
            // Match:Path is reported by the route's own validation; what it captures is then unknown.
            return pattern;
        }

        var missing = pattern.Parameters.Where(p => !captured.Contains(p.Name)).Select(p => p.Name).ToList();
        if (missing.Count > 0)
        {
            string have = captured.Count == 0 ? "it captures none" : "it captures " + string.Join(", ", captured);
            errors.Add($"{path}: PathPattern '{value}' uses {string.Join(", ", missing.Select(m => "{" + m + "}"))}, which Match:Path does not capture ({have}).");
            return null;
        }

        return pattern;
    }

    public string Name(string what, bool token)
    {
        string value = Value;
        if (string.IsNullOrWhiteSpace(value) || (token && !HeaderSyntax.IsToken(value)) || !HeaderSyntax.IsValidValue(value))
        {
            errors.Add($"{path}: {kind} '{value}' is not {what}.");
        }

        return value;
    }

    public string HeaderName(bool forRequest)
    {
        string name = Name("a header name", token: true);
        if (HeaderSyntax.IsToken(name)
            && (forRequest ? HeaderRules.IsNeverForwardedRequestHeader(name) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase) : HeaderRules.IsNeverForwardedResponseHeader(name)))
        {
            errors.Add($"{path}: {kind} '{name}' is a hop-by-hop header managed by the forwarder; transforms cannot change it.");
        }

        return name;
    }

    public (string Value, bool Append) SetOrAppend(string name)
    {
        string? set = Get(Set);
        string? append = Get(Append);
        if ((set is null) == (append is null))
        {
            errors.Add($"{path}: {kind} '{name}' needs exactly one of Set or Append.");
            return (string.Empty, false);
        }

        string value = set ?? append!;
        if (!HeaderSyntax.IsValidValue(value))
        {
            errors.Add($"{path}: the value of {kind} '{name}' contains CR, LF or NUL.");
        }

        return (value, append is not null);
    }

    public string Method(string value, string key)
    {
        if (!HeaderSyntax.IsToken(value))
        {
            errors.Add($"{path}: {key} '{value}' is not an HTTP method.");
            return "GET";
        }

        return value.ToUpperInvariant();
    }

    public bool Boolean(string value, string key)
    {
        if (!bool.TryParse(value, out bool result))
        {
            errors.Add($"{path}: {key} '{value}' must be true or false.");
        }

        return result;
    }

    public ResponseCondition When()
    {
        if (Get(TransformKeys.When) is not { } value)
        {
            return ResponseCondition.Always;
        }

        if (!TryParseEnum<ResponseCondition>(value, out var when))
        {
            errors.Add($"{path}: When '{value}' is unknown; use Always, Success or Failure.");
        }

        return when;
    }

    public ForwardedHeaderAction ForwardedAction(string value, string key)
    {
        if (!TryParseEnum<ForwardedHeaderAction>(value, out var action))
        {
            errors.Add($"{path}: {key} '{value}' is unknown; use Append, Set, Off or Remove.");
        }

        return action;
    }

    public ForwardedNodeFormat NodeFormat(string value, string key)
    {
        if (!TryParseEnum<ForwardedNodeFormat>(value, out var format) || format == ForwardedNodeFormat.None)
        {
            errors.Add($"{path}: {key} '{value}' is unknown; use Ip, IpAndPort, Random, RandomAndPort or Unknown.");
        }

        return format;
    }

    public ForwardedTransform Forwarded(ForwardedHeaderSettings defaults)
    {
        bool sendFor = false, sendBy = false, sendProto = false, sendHost = false;
        foreach (var raw in Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (raw.ToLowerInvariant())
            {
                case "for":
                    sendFor = true;
                    break;
                case "by":
                    sendBy = true;
                    break;
                case "proto":
                    sendProto = true;
                    break;
                case "host":
                    sendHost = true;
                    break;
                default:
                    errors.Add($"{path}: Forwarded parameter '{raw}' is unknown; list some of for, by, proto, host.");
                    break;
            }
        }

        if (!(sendFor || sendBy || sendProto || sendHost))
        {
            errors.Add($"{path}: Forwarded '{Value}' names no parameter; list some of for, by, proto, host.");
        }

        var action = Get(TransformKeys.Action) is { } a ? ForwardedAction(a, TransformKeys.Action) : ForwardedHeaderAction.Append;
        var forFormat = !sendFor ? ForwardedNodeFormat.None : Get(ForFormat) is { } f ? NodeFormat(f, ForFormat) : defaults.Options.ForwardedFor;
        var byFormat = !sendBy ? ForwardedNodeFormat.None
            : Get(ByFormat) is { } b ? NodeFormat(b, ByFormat)
            : defaults.Options.ForwardedBy == ForwardedNodeFormat.None ? ForwardedNodeFormat.Ip : defaults.Options.ForwardedBy;
        if (!sendFor && Get(ForFormat) is not null)
        {
            errors.Add($"{path}: ForFormat is set but Forwarded does not send 'for'.");
        }

        if (!sendBy && Get(ByFormat) is not null)
        {
            errors.Add($"{path}: ByFormat is set but Forwarded does not send 'by'.");
        }

        return new ForwardedTransform(action, forFormat, byFormat, sendProto, sendHost, defaults.Proxies);
    }

    public void Json(JsonBodyGroup group, int position)
    {
        string property = Value;
        if (property.Length == 0 || property.Split('.').Any(string.IsNullOrEmpty))
        {
            errors.Add($"{path}: {kind} '{property}' is not a property path such as 'name' or 'customer.email'.");
        }

        string? remove = Get(Remove);
        string? renameTo = Get(RenameTo);
        string? set = Get(Set);
        int count = (remove is null ? 0 : 1) + (renameTo is null ? 0 : 1) + (set is null ? 0 : 1);
        JsonBodyAction action = JsonBodyAction.Remove;
        JsonNode? value = null;
        if (count != 1)
        {
            errors.Add($"{path}: {kind} '{property}' needs exactly one of Remove, RenameTo or Set.");
        }
        else if (remove is not null)
        {
            if (!bool.TryParse(remove, out bool yes) || !yes)
            {
                errors.Add($"{path}: Remove '{remove}' must be true (leave the entry out to keep the property).");
            }
        }
        else if (renameTo is not null)
        {
            action = JsonBodyAction.Rename;
            if (string.IsNullOrEmpty(renameTo) || renameTo.Contains('.', StringComparison.Ordinal))
            {
                errors.Add($"{path}: RenameTo '{renameTo}' must be a property name without '.'.");
            }
        }
        else
        {
            action = JsonBodyAction.Set;
            try
            {
                value = JsonNode.Parse(set!);
            }
            catch (JsonException)
            {
                errors.Add($"{path}: Set '{set}' is not a JSON value; write strings quoted, e.g. \"\\\"text\\\"\", 42, true or {{\"a\":1}}.");
            }
        }

        if (Get(MaxBytes) is { } max)
        {
            if (!long.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) || bytes <= 0 || bytes > Array.MaxLength)
            {
                errors.Add($"{path}: MaxBytes '{max}' must be a whole number of bytes from 1 to {Array.MaxLength}.");
            }
            else
            {
                group.MaxBytes = Math.Min(group.MaxBytes ?? long.MaxValue, bytes);
            }
        }

        group.Operations.Add(new JsonBodyOperation(property, action, renameTo, value));
        if (group.Position < 0)
        {
            group.Position = position;
        }
    }

    private static bool TryParseEnum<T>(string value, out T result)
        where T : struct, Enum
    {
        // Names only: Enum.TryParse would also accept numbers such as '7'.
        bool parsed = Enum.TryParse(value, ignoreCase: true, out result);
        string trimmed = value.Trim().TrimStart('-', '+');
        return parsed && trimmed.Length > 0 && !char.IsAsciiDigit(trimmed[0]) && Enum.IsDefined(result);
    }
}
