using System.Globalization;

namespace EdgeKit.RateLimiting;

/// <summary>
/// Reads the <c>RateLimit</c> field of draft-ietf-httpapi-ratelimit-headers (a structured-field list such as
/// <c>"per-client";r=42;t=18, "daily";r=900;t=3600</c>) and keeps the most restrictive item: the fewest remaining,
/// then the longest reset. Items without <c>r</c> are ignored; a missing <c>t</c> counts as 0.
/// </summary>
internal static class RateLimitField
{
    public static bool TryParse(IEnumerable<string> values, out long remaining, out TimeSpan reset)
    {
        remaining = long.MaxValue;
        reset = TimeSpan.Zero;
        bool found = false;
        foreach (var value in values)
        {
            foreach (var item in SplitOutsideQuotes(value, ','))
            {
                long r = -1;
                long t = 0;
                foreach (var parameter in SplitOutsideQuotes(item, ';').Skip(1))
                {
                    var span = parameter.AsSpan().Trim();
                    if (span.StartsWith("r=") && long.TryParse(span[2..], NumberStyles.None, CultureInfo.InvariantCulture, out long rv))
                    {
                        r = rv;
                    }
                    else if (span.StartsWith("t=") && long.TryParse(span[2..], NumberStyles.None, CultureInfo.InvariantCulture, out long tv))
                    {
                        t = tv;
                    }
                }

                var tSpan = TimeSpan.FromSeconds(Math.Min(t, (long)TimeSpan.MaxValue.TotalSeconds - 1));
                if (r >= 0 && (r < remaining || (r == remaining && tSpan > reset)))
                {
                    remaining = r;
                    reset = tSpan;
                    found = true;
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> SplitOutsideQuotes(string text, char separator)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && quoted)
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == separator && !quoted)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
