using System.Globalization;

namespace EdgeKit.Caching;

/// <summary>
/// The directives of a <c>Cache-Control</c> field (RFC 9111 §5.2), request or response. Parsing is lenient about
/// syntax and conservative about meaning: the first occurrence of a repeated directive wins, an invalid
/// <c>max-age</c>/<c>s-maxage</c> counts as 0 (stale), and the field-name forms of <c>no-cache</c> and
/// <c>private</c> count as their unqualified forms.
/// </summary>
internal sealed class CacheControl
{
    /// <summary>What an absent or empty field means: no directive at all.</summary>
    public static readonly CacheControl Empty = new();

    /// <summary>The largest delta-seconds honoured (RFC 9111 §1.2.2: 2^31).</summary>
    private const long MaxDeltaSeconds = 2147483648;

    public TimeSpan? MaxAge { get; private set; }

    public TimeSpan? SharedMaxAge { get; private set; }

    /// <summary><c>max-stale</c> (request); <see cref="TimeSpan.MaxValue"/> when it has no value (any staleness).</summary>
    public TimeSpan? MaxStale { get; private set; }

    public TimeSpan? MinFresh { get; private set; }

    public TimeSpan? StaleWhileRevalidate { get; private set; }

    public TimeSpan? StaleIfError { get; private set; }

    public bool NoStore { get; private set; }

    /// <summary><c>no-cache</c>, with or without field names.</summary>
    public bool NoCache { get; private set; }

    /// <summary><c>private</c>, with or without field names.</summary>
    public bool Private { get; private set; }

    public bool Public { get; private set; }

    public bool MustRevalidate { get; private set; }

    public bool ProxyRevalidate { get; private set; }

    public bool OnlyIfCached { get; private set; }

    /// <summary>Response <c>must-understand</c> (RFC 9111 §5.2.2.3).</summary>
    public bool MustUnderstand { get; private set; }

    /// <summary>
    /// Parses a targeted cache-control field (RFC 9213 §2.1: a Structured Fields dictionary such as
    /// <c>max-age=60, no-store</c>). Returns false when the value is empty or not a valid dictionary: the field is then
    /// ignored. A boolean member that is false (<c>no-store=?0</c>) counts as absent.
    /// </summary>
    public static bool TryParseTargeted(string? value, out CacheControl result)
    {
        result = Empty;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var parsed = new CacheControl();
        foreach (var member in SplitMembers(value))
        {
            var text = member.AsSpan().Trim(' ');
            if (text.IsEmpty)
            {
                return false;
            }

            // Parameters (";a=1") are allowed and carry nothing a cache uses.
            int semicolon = IndexOutsideQuotes(text, ';');
            var item = semicolon < 0 ? text : text[..semicolon];
            int eq = item.IndexOf('=');
            var key = eq < 0 ? item : item[..eq];
            var bare = eq < 0 ? "?1".AsSpan() : item[(eq + 1)..];
            if (!IsKey(key) || !IsBareItem(bare))
            {
                return false;
            }

            if (bare.SequenceEqual("?0"))
            {
                continue;
            }

            if (bare.SequenceEqual("?1"))
            {
                parsed.Apply(key);
            }
            else
            {
                parsed.Apply(item);
            }
        }

        result = parsed;
        return true;
    }

    /// <summary>Parses a field value (several field lines joined by commas are one value).</summary>
    public static CacheControl Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Empty;
        }

        var result = new CacheControl();
        var span = value.AsSpan();
        int i = 0;
        while (i < span.Length)
        {
            // One directive: name [ "=" ( token / quoted-string ) ], up to a comma outside quotes.
            int start = i;
            bool quoted = false;
            while (i < span.Length && (quoted || span[i] != ','))
            {
                if (span[i] == '"')
                {
                    quoted = !quoted;
                }
                else if (span[i] == '\\' && quoted)
                {
                    i++;
                }

                i++;
            }

            result.Apply(span[start..Math.Min(i, span.Length)]);
            i++;
        }

        return result;
    }

    private void Apply(ReadOnlySpan<char> directive)
    {
        directive = directive.Trim();
        if (directive.IsEmpty)
        {
            return;
        }

        int eq = directive.IndexOf('=');
        var name = (eq < 0 ? directive : directive[..eq]).TrimEnd();
        var argument = eq < 0 ? ReadOnlySpan<char>.Empty : directive[(eq + 1)..].Trim();
        bool hasArgument = eq >= 0;
        if (argument.Length >= 2 && argument[0] == '"' && argument[^1] == '"')
        {
            argument = argument[1..^1];
        }

        if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
        {
            MaxAge ??= DeltaOrZero(argument);
        }
        else if (name.Equals("s-maxage", StringComparison.OrdinalIgnoreCase))
        {
            SharedMaxAge ??= DeltaOrZero(argument);
        }
        else if (name.Equals("no-cache", StringComparison.OrdinalIgnoreCase))
        {
            NoCache = true;
        }
        else if (name.Equals("no-store", StringComparison.OrdinalIgnoreCase))
        {
            NoStore = true;
        }
        else if (name.Equals("private", StringComparison.OrdinalIgnoreCase))
        {
            Private = true;
        }
        else if (name.Equals("public", StringComparison.OrdinalIgnoreCase))
        {
            Public = true;
        }
        else if (name.Equals("must-revalidate", StringComparison.OrdinalIgnoreCase))
        {
            MustRevalidate = true;
        }
        else if (name.Equals("proxy-revalidate", StringComparison.OrdinalIgnoreCase))
        {
            ProxyRevalidate = true;
        }
        else if (name.Equals("max-stale", StringComparison.OrdinalIgnoreCase))
        {
            MaxStale ??= hasArgument ? Delta(argument) : TimeSpan.MaxValue;
        }
        else if (name.Equals("min-fresh", StringComparison.OrdinalIgnoreCase))
        {
            MinFresh ??= Delta(argument);
        }
        else if (name.Equals("stale-while-revalidate", StringComparison.OrdinalIgnoreCase))
        {
            StaleWhileRevalidate ??= Delta(argument);
        }
        else if (name.Equals("stale-if-error", StringComparison.OrdinalIgnoreCase))
        {
            StaleIfError ??= Delta(argument);
        }
        else if (name.Equals("only-if-cached", StringComparison.OrdinalIgnoreCase))
        {
            OnlyIfCached = true;
        }
        else if (name.Equals("must-understand", StringComparison.OrdinalIgnoreCase))
        {
            MustUnderstand = true;
        }
    }

    private static List<string> SplitMembers(string value)
    {
        var members = new List<string>();
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                members.Add(value[start..i]);
                start = i + 1;
            }
        }

        members.Add(value[start..]);
        return members;
    }

    private static int IndexOutsideQuotes(ReadOnlySpan<char> text, char wanted)
    {
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == wanted && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>RFC 8941 key: lcalpha or "*" first, then lcalpha, digits, "_", "-", ".", "*".</summary>
    private static bool IsKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || !(char.IsAsciiLetterLower(key[0]) || key[0] == '*'))
        {
            return false;
        }

        foreach (char c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.' or '*'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 8941 bare item: integer, decimal, string, token, byte sequence or boolean.</summary>
    private static bool IsBareItem(ReadOnlySpan<char> item)
    {
        if (item.IsEmpty)
        {
            return false;
        }

        char first = item[0];
        if (first == '?')
        {
            return item.SequenceEqual("?0") || item.SequenceEqual("?1");
        }

        if (first == '"')
        {
            return item.Length >= 2 && item[^1] == '"';
        }

        if (first == ':')
        {
            return item.Length >= 2 && item[^1] == ':';
        }

        if (first == '-' || char.IsAsciiDigit(first))
        {
            var digits = first == '-' ? item[1..] : item;
            int dot = digits.IndexOf('.');
            return !digits.IsEmpty && (dot < 0 ? digits.Length <= 15 : dot is > 0 and <= 12 && digits.Length - dot - 1 is >= 1 and <= 3)
                && !digits.ContainsAnyExcept("0123456789.") && digits.Count('.') <= 1;
        }

        if (!(char.IsAsciiLetter(first) || first == '*'))
        {
            return false;
        }

        foreach (char c in item)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~:/".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>delta-seconds, or null when invalid (the directive is then ignored).</summary>
    private static TimeSpan? Delta(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return null;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        // Longer than 2^31 in digits: cap (RFC 9111 §1.2.2).
        long seconds = value.Length > 10 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed)
            ? MaxDeltaSeconds
            : Math.Min(parsed, MaxDeltaSeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>delta-seconds, or zero (stale) when invalid: the conservative reading of a broken freshness directive.</summary>
    private static TimeSpan DeltaOrZero(ReadOnlySpan<char> value) => Delta(value) ?? TimeSpan.Zero;
}
