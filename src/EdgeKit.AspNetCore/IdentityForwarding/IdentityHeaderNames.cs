namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>
/// The identity header names a gateway sets, matched as CGI, WSGI and PHP backends see them: case-insensitively and
/// with <c>-</c> and <c>_</c> alike (<c>X_User_Id</c> reaches such a backend as <c>HTTP_X_USER_ID</c>, exactly like
/// <c>X-User-Id</c>). Every incoming header that matches is dropped, so a client cannot forge one in another spelling.
/// Immutable; <see cref="Contains"/> neither allocates nor locks.
/// </summary>
internal sealed class IdentityHeaderNames
{
    /// <summary>No names: nothing is dropped.</summary>
    public static readonly IdentityHeaderNames Empty = new([]);

    private readonly string[] _names;

    // Bit n is set when a name has n characters (n < 64): most headers are ruled out by their length alone.
    private readonly ulong _lengths;
    private readonly bool _anyLong;

    /// <summary>Creates the set; names that match each other are kept once.</summary>
    /// <param name="names">Header names, as configured.</param>
    public IdentityHeaderNames(IEnumerable<string> names)
    {
        var kept = new List<string>();
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name) || kept.Exists(k => Matches(k, name)))
            {
                continue;
            }

            kept.Add(name);
            if (name.Length < 64)
            {
                _lengths |= 1UL << name.Length;
            }
            else
            {
                _anyLong = true;
            }
        }

        _names = [.. kept];
    }

    /// <summary>Whether the set is empty.</summary>
    public bool IsEmpty => _names.Length == 0;

    /// <summary>The names, as configured (one per group of names that match each other).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Every identity header name of <paramref name="profiles"/> (each profile's <c>Headers</c> keys).</summary>
    public static IdentityHeaderNames From(IEnumerable<IdentityForwardingOptions?> profiles)
    {
        var names = profiles.SelectMany(p => p?.Headers?.Keys ?? (IEnumerable<string>)[]).ToArray();
        return names.Length == 0 ? Empty : new IdentityHeaderNames(names);
    }

    /// <summary>Whether <paramref name="name"/> matches one of the names (ASCII case ignored, <c>-</c> and <c>_</c> alike).</summary>
    public bool Contains(string name)
    {
        int length = name.Length;
        if (length < 64 ? (_lengths & (1UL << length)) == 0 : !_anyLong)
        {
            return false;
        }

        foreach (var candidate in _names)
        {
            if (candidate.Length == length && Matches(candidate, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether two header names are the same to a backend that folds case and treats <c>-</c> as <c>_</c>.</summary>
    public static bool Matches(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            char x = a[i], y = b[i];
            if (x != y && Fold(x) != Fold(y))
            {
                return false;
            }
        }

        return true;
    }

    private static char Fold(char c) => c switch
    {
        '_' => '-',
        >= 'A' and <= 'Z' => (char)(c | 0x20),
        _ => c,
    };
}
