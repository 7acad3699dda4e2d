using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.Configuration;

/// <summary>
/// Checks configuration against a <see cref="SettingShape"/> before the binder sees it. The .NET configuration binder
/// ignores keys it does not know and, inside a dictionary or a list, silently drops an element holding a value it cannot
/// convert; here an unknown key is an error naming its full path and the known key it most resembles, and a value that
/// does not convert is an error naming its path, the value and the form expected. Every problem is reported.
/// </summary>
internal static class StrictConfiguration
{
    /// <summary>Checks the children of <paramref name="section"/> against <paramref name="shape"/>.</summary>
    /// <param name="section">The section.</param>
    /// <param name="shape">The keys it may hold.</param>
    /// <param name="boundElsewhere">Whether a full path is a section another registration binds (and checks).</param>
    /// <param name="problems">Receives one sentence per problem, with the key and the entry it is in.</param>
    public static void CheckObject(IConfiguration section, SettingsObject shape, SectionOwners boundElsewhere, StructuralProblems problems) =>
        CheckObject(section, shape, boundElsewhere, problems, entry: null);

    private static void CheckObject(IConfiguration section, SettingsObject shape, SectionOwners boundElsewhere, StructuralProblems problems, string? entry)
    {
        foreach (var child in section.GetChildren())
        {
            switch (boundElsewhere.Of(child.Path))
            {
                case PathOwnership.Bound:
                    continue;
                case PathOwnership.Container when shape.Find(child.Key) is null:
                    // A section such as EdgeKit:Authentication whose children are bound by separate calls.
                    CheckContainer(child, boundElsewhere, problems);
                    continue;
            }

            if (shape.Find(child.Key) is { } key)
            {
                CheckValue(child, key.Shape, boundElsewhere, problems, entry);
            }
            else
            {
                problems.Add(child.Path, entry, UnknownKey(child.Path, child.Key, shape.Keys.Select(k => k.Name).Concat(boundElsewhere.ChildrenOf(section))));
            }
        }
    }

    private static void CheckContainer(IConfigurationSection section, SectionOwners boundElsewhere, StructuralProblems problems)
    {
        var known = new List<string>();
        var unknown = new List<IConfigurationSection>();
        foreach (var child in section.GetChildren())
        {
            switch (boundElsewhere.Of(child.Path))
            {
                case PathOwnership.Bound:
                    known.Add(child.Key);
                    break;
                case PathOwnership.Container:
                    known.Add(child.Key);
                    CheckContainer(child, boundElsewhere, problems);
                    break;
                default:
                    unknown.Add(child);
                    break;
            }
        }

        foreach (var child in unknown)
        {
            problems.Add(child.Path, null, UnknownKey(child.Path, child.Key, known));
        }
    }

    private static void CheckValue(IConfigurationSection section, SettingShape shape, SectionOwners boundElsewhere, StructuralProblems problems, string? entry)
    {
        switch (shape.Kind)
        {
            case SettingKind.Object:
                if (IsScalar(section, problems, shape, entry))
                {
                    return;
                }

                CheckObject(section, shape.Object!, boundElsewhere, problems, entry);
                return;
            case SettingKind.Dictionary:
                if (IsScalar(section, problems, shape, entry))
                {
                    return;
                }

                foreach (var element in section.GetChildren())
                {
                    if (boundElsewhere.Of(element.Path) != PathOwnership.Bound)
                    {
                        // The outermost named entry (a route, a cluster, a policy) is what a problem inside it spoils.
                        CheckValue(element, shape.Element!, boundElsewhere, problems, entry ?? element.Path);
                    }
                }

                return;
            case SettingKind.List:
                if (IsScalar(section, problems, shape, entry))
                {
                    return;
                }

                foreach (var element in section.GetChildren())
                {
                    if (!int.TryParse(element.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        problems.Add(element.Path, entry, $"`{element.Path}`: `{section.Key}` is a list; write it as a JSON array ([ ... ]), not as a section with the key '{element.Key}'.");
                        continue;
                    }

                    CheckValue(element, shape.Element!, boundElsewhere, problems, entry ?? element.Path);
                }

                return;
        }

        if (section.GetChildren().Any())
        {
            problems.Add(section.Path, entry, $"`{section.Path}` is a section; it expects {shape.Describe()}.");
            return;
        }

        if (ConversionError(section.Value, shape) is { } problem)
        {
            problems.Add(section.Path, entry, $"`{section.Path}`: '{section.Value}' {problem}");
        }
    }

    /// <summary>A value where a section (object, dictionary, list) is expected; an empty value is an empty section.</summary>
    private static bool IsScalar(IConfigurationSection section, StructuralProblems problems, SettingShape shape, string? entry)
    {
        if (string.IsNullOrEmpty(section.Value) || section.GetChildren().Any())
        {
            return false;
        }

        problems.Add(section.Path, entry, $"`{section.Path}`: '{section.Value}' is a value; it expects {shape.Describe()}.");
        return true;
    }

    /// <summary>Why <paramref name="value"/> does not convert to <paramref name="shape"/> (the end of a sentence), or null when it does.</summary>
    public static string? ConversionError(string? value, SettingShape shape)
    {
        if (string.IsNullOrEmpty(value))
        {
            // The binder leaves the property as it is (or null): JSON null and "" are "not set".
            return null;
        }

        var invariant = CultureInfo.InvariantCulture;
        switch (shape.Kind)
        {
            case SettingKind.Boolean:
                return bool.TryParse(value, out _) ? null : "is not true or false.";
            case SettingKind.Int32:
                return int.TryParse(value, NumberStyles.Integer, invariant, out _) ? null : $"is not a whole number{NumberHint(value)}.";
            case SettingKind.Int64:
                return long.TryParse(value, NumberStyles.Integer, invariant, out _) ? null : $"is not a whole number{NumberHint(value)}.";
            case SettingKind.Double:
                return double.TryParse(value, NumberStyles.Float | NumberStyles.AllowThousands, invariant, out _) ? null : "is not a number; write it with a '.' for the decimal point, e.g. 0.5.";
            case SettingKind.TimeSpan:
                return TimeSpan.TryParse(value, invariant, out _) ? null : $"is not a time span; write it as `{TimeSpanSuggestion(value)}`.";
            case SettingKind.Uri:
                return System.Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _) ? null : "is not a URI.";
            case SettingKind.DateTimeOffset:
                return DateTimeOffset.TryParse(value, invariant, DateTimeStyles.None, out _) ? null : "is not a date and time; write it as ISO 8601, e.g. `2025-06-01T13:00:00Z`.";
            case SettingKind.Enum:
                return IsEnumValue(value, shape) ? null : EnumError(value, shape);
            default:
                return null;
        }
    }

    private static string NumberHint(string value) =>
        value.Any(char.IsDigit) ? " (digits only, without units or separators)" : string.Empty;

    private static bool IsEnumValue(string value, SettingShape shape)
    {
        var parts = shape.IsFlags ? value.Split(',', StringSplitOptions.TrimEntries) : [value.Trim()];
        return parts.All(part => shape.EnumNames.Contains(part, StringComparer.OrdinalIgnoreCase));
    }

    private static string EnumError(string value, SettingShape shape)
    {
        string allowed = string.Join(", ", shape.EnumNames);
        var parts = shape.IsFlags ? value.Split(',', StringSplitOptions.TrimEntries) : [value.Trim()];
        string? wrong = parts.FirstOrDefault(part => !shape.EnumNames.Contains(part, StringComparer.OrdinalIgnoreCase));
        string? meant = wrong is null ? null : SettingNames.Closest(wrong, shape.EnumNames);
        return meant is null
            ? $"is not one of {allowed}."
            : $"is not one of {allowed}; did you mean `{meant}`?";
    }

    /// <summary>The sentence for an unknown key, with the closest known key when one is close.</summary>
    public static string UnknownKey(string path, string key, IEnumerable<string> known)
    {
        var names = known.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (SettingNames.Closest(key, names) is { } meant)
        {
            return $"`{path}` is not a setting; did you mean `{meant}`?";
        }

        return names.Count == 0
            ? $"`{path}` is not a setting; nothing is read here."
            : $"`{path}` is not a setting; the settings here are {string.Join(", ", names)}.";
    }

    /// <summary>What <paramref name="value"/> means as a time span when written with a unit (<c>10s</c> → <c>00:00:10</c>); an example otherwise.</summary>
    public static string TimeSpanSuggestion(string value)
    {
        var text = value.Trim().ToLowerInvariant();
        (string Unit, double Seconds)[] units = [("ms", 0.001), ("sec", 1), ("s", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach (var (unit, seconds) in units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - unit.Length).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount >= 0 && amount * seconds < TimeSpan.MaxValue.TotalSeconds)
            {
                return TimeSpan.FromSeconds(amount * seconds).ToString("c", CultureInfo.InvariantCulture);
            }
        }

        return "hh:mm:ss`, e.g. `00:00:30";
    }
}

/// <summary>The sections other registrations bind, seen from the section being checked.</summary>
internal sealed class SectionOwners(string checking, IReadOnlyList<string> registered)
{
    /// <summary>Whether another registration binds <paramref name="path"/> or sections below it.</summary>
    public PathOwnership Of(string path)
    {
        var result = PathOwnership.None;
        foreach (var other in registered)
        {
            if (other.Length == 0 || string.Equals(other, checking, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (string.Equals(other, path, StringComparison.OrdinalIgnoreCase))
            {
                return PathOwnership.Bound;
            }

            if (other.Length > path.Length && other[path.Length] == ':' && other.StartsWith(path, StringComparison.OrdinalIgnoreCase))
            {
                result = PathOwnership.Container;
            }
        }

        return result;
    }

    /// <summary>The keys directly below <paramref name="section"/> that other registrations bind (or hold sections they bind).</summary>
    public IEnumerable<string> ChildrenOf(IConfiguration section)
    {
        string path = (section as IConfigurationSection)?.Path ?? string.Empty;
        string prefix = path.Length == 0 ? string.Empty : path + ":";
        foreach (var other in registered)
        {
            if (other.Length > prefix.Length && other.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(other, checking, StringComparison.OrdinalIgnoreCase))
            {
                string rest = other[prefix.Length..];
                int colon = rest.IndexOf(':', StringComparison.Ordinal);
                yield return colon < 0 ? rest : rest[..colon];
            }
        }
    }
}

/// <summary>Whether another registration binds a configuration path.</summary>
internal enum PathOwnership
{
    /// <summary>No: the key belongs to the section being checked.</summary>
    None,

    /// <summary>Yes: another registration binds and checks it.</summary>
    Bound,

    /// <summary>It holds sections that other registrations bind (e.g. <c>EdgeKit:Authentication</c> holding <c>Jwt</c>).</summary>
    Container,
}

/// <summary>
/// What a structural check found: one sentence per problem, the keys that caused them (left out of the copy the cross-key
/// checks see) and the named entries (routes, clusters, policies) they spoil, which the cross-key checks skip.
/// </summary>
internal sealed class StructuralProblems
{
    public List<string> Messages { get; } = [];

    /// <summary>The full paths of the keys in error (an unknown key, a value that does not convert).</summary>
    public List<string> Keys { get; } = [];

    /// <summary>The full paths of the named entries that hold a problem (<c>EdgeKit:Routes:orders</c>), or of the key itself outside any.</summary>
    public HashSet<string> Entries { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Count => Messages.Count;

    public void Add(string path, string? entry, string message)
    {
        Messages.Add(message);
        Keys.Add(path);
        Entries.Add(entry ?? path);
    }

    /// <summary>
    /// Whether <paramref name="error"/>, a sentence of a cross-key check, is about an entry whose structure failed: it names
    /// the entry's path (<c>EdgeKit:Routes:orders</c>, <c>EdgeKit:Routes:orders:Match</c>) or, for a cluster, the form the
    /// cluster checks use (<c>Cluster 'orders'</c>). Such a sentence says nothing true yet: the entry was read without its
    /// bad keys.
    /// </summary>
    public bool IsAbout(string error)
    {
        foreach (var entry in Entries)
        {
            if (Mentions(error, entry))
            {
                return true;
            }

            int colon = entry.LastIndexOf(':');
            if (colon > 0 && entry.AsSpan(0, colon).EndsWith(":Clusters", StringComparison.OrdinalIgnoreCase)
                && error.Contains($"Cluster '{entry[(colon + 1)..]}'", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="text"/> holds <paramref name="path"/> as a whole path (not the start of a longer key).</summary>
    private static bool Mentions(string text, string path)
    {
        int at = 0;
        while ((at = text.IndexOf(path, at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            int end = at + path.Length;
            bool startsWell = at == 0 || !(char.IsLetterOrDigit(text[at - 1]) || text[at - 1] == ':');
            // A '.' ends the path when it ends the sentence; inside a name (orders.v2) it does not.
            bool endsWell = end == text.Length
                || (text[end] == '.' ? end + 1 == text.Length || char.IsWhiteSpace(text[end + 1]) : !(char.IsLetterOrDigit(text[end]) || text[end] is '-' or '_'));
            if (startsWell && endsWell)
            {
                return true;
            }

            at = end;
        }

        return false;
    }
}
