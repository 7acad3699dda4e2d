using Microsoft.Extensions.Configuration;

namespace EdgeKit.Configuration;

/// <summary>What a configuration key holds (<see cref="SettingShape.Kind"/>).</summary>
public enum SettingKind
{
    /// <summary>Any text.</summary>
    String,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A whole number that fits in 32 bits.</summary>
    Int32,

    /// <summary>A whole number that fits in 64 bits.</summary>
    Int64,

    /// <summary>A number with an optional fraction.</summary>
    Double,

    /// <summary>A time span, <c>[d.]hh:mm:ss[.fffffff]</c>.</summary>
    TimeSpan,

    /// <summary>An absolute or relative URI.</summary>
    Uri,

    /// <summary>A date and time, ISO 8601 (<c>2025-06-01T13:00:00Z</c>).</summary>
    DateTimeOffset,

    /// <summary>One of a list of names (<see cref="SettingShape.EnumNames"/>).</summary>
    Enum,

    /// <summary>A section with known keys (<see cref="SettingShape.Object"/>).</summary>
    Object,

    /// <summary>A section whose keys are names chosen by the user, each holding the same shape (<see cref="SettingShape.Element"/>).</summary>
    Dictionary,

    /// <summary>A list (a JSON array: keys 0, 1, 2...), each element of the same shape (<see cref="SettingShape.Element"/>).</summary>
    List,
}

/// <summary>
/// The shape of one configuration value: a scalar of some kind, an object of known keys, or a collection. Together
/// with <see cref="SettingsObject"/> it describes, without reflection, every key the configuration binder would set on
/// an options type; strict binding (<see cref="StrictBinding"/>) checks configuration against it before anything is
/// bound. Immutable; the scalar shapes are shared instances.
/// </summary>
public sealed class SettingShape
{
    private SettingShape(SettingKind kind, SettingsObject? obj = null, SettingShape? element = null, string[]? names = null, bool flags = false)
    {
        Kind = kind;
        Object = obj;
        Element = element;
        EnumNames = names ?? [];
        IsFlags = flags;
    }

    /// <summary>What the value holds.</summary>
    public SettingKind Kind { get; }

    /// <summary>The keys of an <see cref="SettingKind.Object"/>; <see langword="null"/> for any other kind.</summary>
    public SettingsObject? Object { get; }

    /// <summary>The shape of each element of a <see cref="SettingKind.Dictionary"/> or <see cref="SettingKind.List"/>; <see langword="null"/> for any other kind.</summary>
    public SettingShape? Element { get; }

    /// <summary>The names an <see cref="SettingKind.Enum"/> accepts (case-insensitively); empty for any other kind.</summary>
    public IReadOnlyList<string> EnumNames { get; }

    /// <summary>Whether the <see cref="SettingKind.Enum"/> is a set of flags: several names, separated by commas.</summary>
    public bool IsFlags { get; }

    /// <summary>Any text.</summary>
    public static readonly SettingShape String = new(SettingKind.String);

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public static readonly SettingShape Boolean = new(SettingKind.Boolean);

    /// <summary>A whole number that fits in 32 bits.</summary>
    public static readonly SettingShape Int32 = new(SettingKind.Int32);

    /// <summary>A whole number that fits in 64 bits.</summary>
    public static readonly SettingShape Int64 = new(SettingKind.Int64);

    /// <summary>A number with an optional fraction, written with a '.'.</summary>
    public static readonly SettingShape Double = new(SettingKind.Double);

    /// <summary>A time span, <c>[d.]hh:mm:ss[.fffffff]</c>.</summary>
    public static readonly SettingShape TimeSpan = new(SettingKind.TimeSpan);

    /// <summary>An absolute or relative URI.</summary>
    public static readonly SettingShape Uri = new(SettingKind.Uri);

    /// <summary>A date and time, ISO 8601.</summary>
    public static readonly SettingShape DateTimeOffset = new(SettingKind.DateTimeOffset);

    /// <summary>One of <paramref name="names"/> (an enum's names), matched case-insensitively.</summary>
    /// <param name="names">The names accepted; at least one, none blank.</param>
    /// <param name="flags">Whether several names may be given, separated by commas (a <see cref="FlagsAttribute"/> enum).</param>
    /// <returns>The shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="names"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="names"/> is empty or holds a blank name.</exception>
    public static SettingShape Enum(IEnumerable<string> names, bool flags = false)
    {
        ArgumentNullException.ThrowIfNull(names);
        string[] copy = [.. names];
        if (copy.Length == 0)
        {
            throw new ArgumentException("An enum shape needs at least one name.", nameof(names));
        }

        if (copy.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("An enum shape's names must not be blank.", nameof(names));
        }

        return new(SettingKind.Enum, names: copy, flags: flags);
    }

    /// <summary>A section with the keys of <paramref name="obj"/>.</summary>
    /// <param name="obj">The keys.</param>
    /// <returns>The shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="obj"/> is <see langword="null"/>.</exception>
    public static SettingShape Of(SettingsObject obj) => new(SettingKind.Object, obj: obj ?? throw new ArgumentNullException(nameof(obj)));

    /// <summary>A section of named entries (a dictionary keyed by text), each of shape <paramref name="element"/>.</summary>
    /// <param name="element">The shape of each entry.</param>
    /// <returns>The shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="element"/> is <see langword="null"/>.</exception>
    public static SettingShape Dictionary(SettingShape element) => new(SettingKind.Dictionary, element: element ?? throw new ArgumentNullException(nameof(element)));

    /// <summary>A list (a JSON array), each element of shape <paramref name="element"/>.</summary>
    /// <param name="element">The shape of each element.</param>
    /// <returns>The shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="element"/> is <see langword="null"/>.</exception>
    public static SettingShape List(SettingShape element) => new(SettingKind.List, element: element ?? throw new ArgumentNullException(nameof(element)));

    /// <summary>How a value of this shape is written, for error messages ("a time span", "one of A, B").</summary>
    internal string Describe() => Kind switch
    {
        SettingKind.String => "text",
        SettingKind.Boolean => "true or false",
        SettingKind.Int32 or SettingKind.Int64 => "a whole number",
        SettingKind.Double => "a number",
        SettingKind.TimeSpan => "a time span (hh:mm:ss)",
        SettingKind.Uri => "a URI",
        SettingKind.DateTimeOffset => "a date and time (ISO 8601, e.g. 2025-06-01T13:00:00Z)",
        SettingKind.Enum => (IsFlags ? "one or more (comma-separated) of " : "one of ") + string.Join(", ", EnumNames),
        SettingKind.Object => "a section with the keys " + string.Join(", ", Object!.Keys.Select(k => k.Name)),
        SettingKind.Dictionary => "a section of named entries",
        _ => "a list",
    };
}

/// <summary>One settable key of an options type: its name and what it holds.</summary>
public sealed class SettingKey
{
    /// <summary>Creates the key.</summary>
    /// <param name="name">The key, as the binder matches it (case-insensitively): the property's name.</param>
    /// <param name="shape">What it holds.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is <see langword="null"/>, empty, blank or holds ':'.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    public SettingKey(string name, SettingShape shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}': a key cannot hold ':' (it separates sections); describe the section as an object.", nameof(name));
        }

        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = shape;
    }

    /// <summary>The key, as the binder matches it (case-insensitively).</summary>
    public string Name { get; }

    /// <summary>What it holds.</summary>
    public SettingShape Shape { get; }
}

/// <summary>
/// The settable keys of one options type (or of a section several types share): what strict binding accepts in the
/// section it binds. A package describes its own options this way (or generates the description, as EdgeKit does)
/// and registers it with <see cref="StrictBinding.Add{TOptions}"/>; a key not listed is refused with the key it most
/// resembles, a value that does not convert with the form expected.
/// </summary>
public sealed class SettingsObject
{
    private readonly Func<IReadOnlyList<SettingKey>> _keys;
    private SettingKey[]? _built;

    /// <summary>Creates the description.</summary>
    /// <param name="name">The options type's name, or the section's (for messages and for telling shapes apart).</param>
    /// <param name="keys">
    /// Returns the keys; a function, so that shapes may refer to each other in any order (it runs once, when the keys
    /// are first needed). Names must be unique, case-insensitively.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is <see langword="null"/>, empty or blank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="keys"/> is <see langword="null"/>.</exception>
    public SettingsObject(string name, Func<IReadOnlyList<SettingKey>> keys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(keys);
        Name = name;
        _keys = keys;
    }

    /// <summary>The options type's name, or the section's.</summary>
    public string Name { get; }

    /// <summary>The keys, in the order given.</summary>
    /// <exception cref="InvalidOperationException">The function given returned <see langword="null"/>, a <see langword="null"/> key or two keys of one name.</exception>
    public IReadOnlyList<SettingKey> Keys => _built ??= Build();

    private SettingKey[] Build()
    {
        var keys = _keys()?.ToArray() ?? throw new InvalidOperationException($"The keys of '{Name}' are null.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in keys)
        {
            if (key is null)
            {
                throw new InvalidOperationException($"The keys of '{Name}' hold a null key.");
            }

            if (!seen.Add(key.Name))
            {
                throw new InvalidOperationException($"The keys of '{Name}' hold '{key.Name}' twice (keys match case-insensitively).");
            }
        }

        return keys;
    }

    /// <summary>The key named <paramref name="key"/> (case-insensitively), or <see langword="null"/>.</summary>
    /// <param name="key">The name.</param>
    /// <returns>The key, or <see langword="null"/> when there is none of that name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public SettingKey? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var candidate in Keys)
        {
            if (string.Equals(candidate.Name, key, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks <paramref name="section"/> against these keys alone, without registering anything: one sentence per
    /// problem (an unknown key, with the known key it most resembles; a value that does not convert; a value where a
    /// section is expected), each naming the key's full path. Empty when the section binds as written.
    /// </summary>
    /// <param name="section">The section (or a configuration root).</param>
    /// <returns>The problems, in the order of the configuration's keys.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<string> Check(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var problems = new StructuralProblems();
        StrictConfiguration.CheckObject(section, this, new SectionOwners((section as IConfigurationSection)?.Path ?? string.Empty, []), problems);
        return problems.Messages;
    }

    /// <summary>A section holding the keys of all of <paramref name="parts"/> (several options types bound from one section).</summary>
    internal static SettingsObject Merge(string name, IReadOnlyList<SettingsObject> parts) =>
        parts.Count == 1 ? parts[0] : new SettingsObject(name.Length == 0 ? "configuration" : name, () => parts
            .SelectMany(p => p.Keys)
            .GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .ToArray());
}
