using System.Globalization;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Migration;

/// <summary>
/// Reads another gateway's configuration (YARP's <c>ReverseProxy</c> section, Ocelot's <c>ocelot.json</c>) key by key,
/// adding one error per problem, each naming the key's full configuration path: an unknown key (with the known key
/// probably meant), a key EdgeKit refuses (with why), a value that does not convert (with the form expected).
/// </summary>
internal sealed class ImportReader(string dialect, List<string> errors)
{
    public List<string> Errors { get; } = errors;

    private string Article => "AEIOU".Contains(char.ToUpperInvariant(dialect[0]), StringComparison.Ordinal) ? "an" : "a";

    /// <summary>Reports every child of <paramref name="section"/> that is not one of <paramref name="known"/> or is refused.</summary>
    /// <param name="section">The section whose keys are checked.</param>
    /// <param name="what">What the section is, e.g. "route" ("... is not a YARP route setting").</param>
    /// <param name="known">The keys read by the importer.</param>
    /// <param name="refused">Keys the peer knows and EdgeKit refuses, whatever their value, with why.</param>
    public void CheckKeys(IConfiguration section, string what, IReadOnlyCollection<string> known, IReadOnlyDictionary<string, string>? refused = null)
    {
        foreach (var child in section.GetChildren())
        {
            if (refused is not null && refused.TryGetValue(child.Key, out var why))
            {
                Refuse(child, why);
            }
            else if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                var all = refused is null ? known : known.Concat(refused.Keys).ToArray();
                Errors.Add(Suggest(child.Key, all) is { } meant
                    ? $"{child.Path} is not {Article} {dialect} {what} setting; did you mean {meant}?"
                    : $"{child.Path} is not {Article} {dialect} {what} setting; its settings are {string.Join(", ", all)}.");
            }
        }
    }

    /// <summary>Refuses a key the peer knows but EdgeKit does not support.</summary>
    public void Refuse(IConfigurationSection key, string why) => Errors.Add($"{key.Path} is not supported by EdgeKit: {why}");

    /// <summary>Refuses a key when it is present.</summary>
    public void RefuseIfPresent(IConfiguration section, string key, string why)
    {
        var child = section.GetSection(key);
        if (child.Exists())
        {
            Refuse(child, why);
        }
    }

    public string? String(IConfiguration section, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        if (child.Value is null)
        {
            Errors.Add($"{child.Path}: is an object or list where a text value is expected.");
            return null;
        }

        return child.Value;
    }

    public bool? Bool(IConfiguration section, string key) =>
        Parse(section, key, "true or false", (string v, out bool r) => bool.TryParse(v, out r));

    public int? Int(IConfiguration section, string key) =>
        Parse(section, key, "a whole number", (string v, out int r) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out r));

    public long? Long(IConfiguration section, string key) =>
        Parse(section, key, "a whole number", (string v, out long r) => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out r));

    public double? Double(IConfiguration section, string key) =>
        Parse(section, key, "a number", (string v, out double r) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out r));

    /// <summary>A time span written as .NET writes it (<c>00:00:10</c>, <c>1.00:00:00</c>).</summary>
    public TimeSpan? Time(IConfiguration section, string key) =>
        Parse(section, key, "a time span written as hh:mm:ss, e.g. 00:00:10", (string v, out TimeSpan r) => TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out r) && r >= TimeSpan.Zero);

    /// <summary>One of <paramref name="names"/> (case-insensitive), returned as written in <paramref name="names"/>.</summary>
    public string? OneOf(IConfiguration section, string key, params string[] names)
    {
        string? value = String(section, key);
        if (value is null)
        {
            return null;
        }

        var match = names.FirstOrDefault(n => n.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Errors.Add($"{section.GetSection(key).Path}: '{value}' is not one of {string.Join(", ", names)}.");
        }

        return match;
    }

    /// <summary>A list written as a JSON array (or a single text value, taken as a list of one).</summary>
    public List<string> Strings(IConfiguration section, string key)
    {
        var child = section.GetSection(key);
        if (child.Value is { } single)
        {
            return single.Length == 0 ? [] : [single];
        }

        var list = new List<string>();
        foreach (var item in child.GetChildren())
        {
            if (item.Value is null)
            {
                Errors.Add($"{item.Path}: is an object or list where a text value is expected.");
            }
            else
            {
                list.Add(item.Value);
            }
        }

        return list;
    }

    /// <summary>The children of a JSON array, in order (configuration keys 0, 1, 2...).</summary>
    public IEnumerable<IConfigurationSection> Items(IConfiguration section, string key) =>
        section.GetSection(key).GetChildren().OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue);

    /// <summary>A string-to-string map (every value must be text).</summary>
    public Dictionary<string, string> Map(IConfiguration section, string key)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in section.GetSection(key).GetChildren())
        {
            if (item.Value is null)
            {
                Errors.Add($"{item.Path}: is an object or list where a text value is expected.");
            }
            else
            {
                map[item.Key] = item.Value;
            }
        }

        return map;
    }

    private delegate bool TryParser<T>(string value, out T result);

    private T? Parse<T>(IConfiguration section, string key, string expected, TryParser<T> parse)
        where T : struct
    {
        string? value = String(section, key);
        if (value is null)
        {
            return null;
        }

        if (!parse(value.Trim(), out var result))
        {
            Errors.Add($"{section.GetSection(key).Path}: '{value}' is not {expected}.");
            return null;
        }

        return result;
    }

    /// <summary>Checks that <paramref name="template"/> (the value of <paramref name="key"/>, or made from it) is an ASP.NET route template.</summary>
    public void RouteTemplate(IConfigurationSection key, string template)
    {
        try
        {
            RoutePatternFactory.Parse(template);
        }
        catch (RoutePatternException ex)
        {
            Errors.Add($"{key.Path}: '{template}' is not a valid route template: {ex.Message}");
        }
    }

    /// <summary>The known key closest to <paramref name="key"/> when it is a likely misspelling (<see cref="SettingNames.Closest"/>).</summary>
    internal static string? Suggest(string key, IEnumerable<string> known) => SettingNames.Closest(key, known);
}
