namespace EdgeKit.Configuration;

/// <summary>
/// The "did you mean" of EdgeKit's configuration errors, for a package's own checks of names (a policy, a cluster, a
/// key of its own format) to suggest the way strict binding does for keys.
/// </summary>
public static class SettingNames
{
    /// <summary>
    /// The known name closest to <paramref name="name"/> by edit distance (case-insensitive), when it is close enough
    /// to be a likely misspelling: at most a third of the longer name's letters apart (two for short names), or one
    /// name is the other with a suffix or prefix (<c>Route</c> for <c>Routes</c>). Of equally close names, the first.
    /// </summary>
    /// <param name="name">The name written.</param>
    /// <param name="known">The names that exist.</param>
    /// <returns>The name meant, or <see langword="null"/> when none is close.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="known"/> is <see langword="null"/>.</exception>
    public static string? Closest(string name, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(known);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            if (candidate is null)
            {
                continue;
            }

            int distance = Distance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            int allowed = Math.Max(2, Math.Max(name.Length, candidate.Length) / 3);
            bool affix = Math.Min(name.Length, candidate.Length) >= 4
                && (candidate.StartsWith(name, StringComparison.OrdinalIgnoreCase) || name.StartsWith(candidate, StringComparison.OrdinalIgnoreCase));
            if ((distance <= allowed || affix) && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Optimal string alignment distance (Levenshtein with adjacent transpositions).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
