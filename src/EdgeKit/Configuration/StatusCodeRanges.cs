namespace EdgeKit.Configuration;

/// <summary>A set of HTTP status codes written as codes and ranges, e.g. <c>200-299,304</c>.</summary>
internal sealed class StatusCodeRanges
{
    private readonly bool[] _members = new bool[600];

    private StatusCodeRanges()
    {
    }

    /// <summary>Whether <paramref name="statusCode"/> is in the set.</summary>
    public bool Contains(int statusCode) => (uint)statusCode < (uint)_members.Length && _members[statusCode];

    /// <summary>Parses a list such as <c>200-399</c> or <c>200,204,300-302</c> (codes 100 to 599).</summary>
    public static bool TryParse(string? text, out StatusCodeRanges ranges, out string error)
    {
        ranges = new StatusCodeRanges();
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; list codes and ranges such as '200-399'.";
            return false;
        }

        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', StringSplitOptions.TrimEntries);
            if (bounds.Length is < 1 or > 2
                || !int.TryParse(bounds[0], out int low)
                || !int.TryParse(bounds[^1], out int high)
                || low < 100 || high > 599 || low > high)
            {
                error = $"'{text}' is not a list of status codes and ranges from 100 to 599 such as '200-399' ('{part}' is wrong).";
                return false;
            }

            for (int code = low; code <= high; code++)
            {
                ranges._members[code] = true;
            }
        }

        return true;
    }
}
