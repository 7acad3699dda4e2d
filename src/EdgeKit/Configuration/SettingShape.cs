namespace EdgeKit.Configuration;

/// <summary>What a configuration key holds.</summary>
internal enum SettingKind
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

    /// <summary>One of a list of names.</summary>
    Enum,

    /// <summary>A section with known keys.</summary>
    Object,

    /// <summary>A section whose keys are names chosen by the user, each holding the same shape.</summary>
    Dictionary,

    /// <summary>A list (a JSON array: keys 0, 1, 2...), each element of the same shape.</summary>
    List,
}

/// <summary>
/// The shape of one configuration value: a scalar of some kind, an object of known keys, or a collection. Together
/// with <see cref="SettingsObject"/> it describes, without reflection, every key the configuration binder would set on
/// an options type; StrictConfiguration checks configuration against it before anything is bound.
/// </summary>
internal sealed class SettingShape
{
    private SettingShape(SettingKind kind, SettingsObject? obj = null, SettingShape? element = null, string[]? names = null, bool flags = false)
    {
        Kind = kind;
        Object = obj;
        Element = element;
        EnumNames = names ?? [];
        IsFlags = flags;
    }

    public SettingKind Kind { get; }

    /// <summary>The keys of an <see cref="SettingKind.Object"/>.</summary>
    public SettingsObject? Object { get; }

    /// <summary>The shape of each element of a <see cref="SettingKind.Dictionary"/> or <see cref="SettingKind.List"/>.</summary>
    public SettingShape? Element { get; }

    /// <summary>The names an <see cref="SettingKind.Enum"/> accepts.</summary>
    public IReadOnlyList<string> EnumNames { get; }

    /// <summary>The enum is a set of flags: several names, separated by commas.</summary>
    public bool IsFlags { get; }

    public static readonly SettingShape String = new(SettingKind.String);
    public static readonly SettingShape Boolean = new(SettingKind.Boolean);
    public static readonly SettingShape Int32 = new(SettingKind.Int32);
    public static readonly SettingShape Int64 = new(SettingKind.Int64);
    public static readonly SettingShape Double = new(SettingKind.Double);
    public static readonly SettingShape TimeSpan = new(SettingKind.TimeSpan);
    public static readonly SettingShape Uri = new(SettingKind.Uri);
    public static readonly SettingShape DateTimeOffset = new(SettingKind.DateTimeOffset);

    public static SettingShape Enum(string[] names, bool flags = false) => new(SettingKind.Enum, names: names, flags: flags);

    /// <summary>An object of known keys. (Nullable only because shapes refer to each other from static initializers.)</summary>
    public static SettingShape Of(SettingsObject? obj) => new(SettingKind.Object, obj: obj ?? throw new ArgumentNullException(nameof(obj)));

    public static SettingShape Dictionary(SettingShape element) => new(SettingKind.Dictionary, element: element);

    public static SettingShape List(SettingShape element) => new(SettingKind.List, element: element);

    /// <summary>How a value of this shape is written, for error messages ("a time span", "one of A, B").</summary>
    public string Describe() => Kind switch
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

/// <summary>One settable key of an options type.</summary>
/// <param name="Name">The key, as the binder matches it (case-insensitively).</param>
/// <param name="Shape">What it holds.</param>
internal sealed record SettingKey(string Name, SettingShape Shape);

/// <summary>The settable keys of one options type (or of a section several types share).</summary>
internal sealed class SettingsObject
{
    private readonly Func<SettingKey[]> _keys;
    private SettingKey[]? _built;

    /// <param name="name">The options type's name, or the section's.</param>
    /// <param name="keys">The keys; a function, so that shapes may refer to each other in any order.</param>
    public SettingsObject(string name, Func<SettingKey[]> keys)
    {
        Name = name;
        _keys = keys;
    }

    public string Name { get; }

    public IReadOnlyList<SettingKey> Keys => _built ??= _keys();

    public SettingKey? Find(string key)
    {
        foreach (var candidate in Keys)
        {
            if (string.Equals(candidate.Name, key, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A section holding the keys of all of <paramref name="parts"/> (several options types bound from one section).</summary>
    public static SettingsObject Merge(string name, IReadOnlyList<SettingsObject> parts) =>
        parts.Count == 1 ? parts[0] : new SettingsObject(name, () => parts
            .SelectMany(p => p.Keys)
            .GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .ToArray());
}
