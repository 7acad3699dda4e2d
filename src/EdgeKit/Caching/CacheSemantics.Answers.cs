using System.Globalization;

namespace EdgeKit.Caching;

/// <summary>
/// How a usable stored response answers a request: as it is, as a <c>304 Not Modified</c> when the client's own
/// <c>If-None-Match</c>/<c>If-Modified-Since</c> says it holds it (RFC 9111 §4.3.2), or as one byte range of it
/// (<c>206</c>/<c>416</c>, RFC 9110 §14 and §13.1.5).
/// </summary>
internal static partial class CacheSemantics
{
    /// <summary>RFC 9110 §15.4.5: the fields a 304 carries (Last-Modified too, when there is no ETag).</summary>
    private static readonly string[] s_notModifiedFields = ["Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary"];

    /// <summary>Fields of a stored 200 that do not describe one of its ranges.</summary>
    private static readonly HashSet<string> s_replacedInPart = new(StringComparer.OrdinalIgnoreCase) { "Content-Length", "Content-Range" };

    /// <summary>
    /// Whether the request asks for several ranges (RFC 9110 §14.2): the cache does not assemble multipart answers and
    /// forwards such a request.
    /// </summary>
    public static bool HasMultipleRanges(CacheRequest request) =>
        request.Method == "GET" && request.GetHeader("Range") is { } range && TryParseRanges(range, out var specs) && specs.Count > 1;

    /// <summary>The response a usable stored entry gives to <paramref name="request"/> at <paramref name="now"/>.</summary>
    public static HttpCacheEntry Answer(HttpCacheEntry entry, CacheRequest request, DateTimeOffset now)
    {
        if (IsNotModified(entry, request, now))
        {
            return NotModified(entry);
        }

        if (request.Method == "GET" && entry.StatusCode == 200 && request.GetHeader("Range") is { } range
            && entry.GetHeader("Content-Range") is null && IfRangeHolds(entry, request.GetHeader("If-Range"))
            && TryParseRanges(range, out var specs) && specs.Count == 1)
        {
            return PartOf(entry, specs[0]);
        }

        return entry;
    }

    /// <summary>
    /// RFC 9110 §13.2.2 steps 3-4 for a cache: <c>If-None-Match</c> (weak comparison, <c>*</c> matches any) and, only
    /// without it, <c>If-Modified-Since</c> against the stored <c>Last-Modified</c> (or <c>Date</c>, or the time it was
    /// received). Only a stored 2xx is compared; a date in the future or invalid is ignored.
    /// </summary>
    public static bool IsNotModified(HttpCacheEntry entry, CacheRequest request, DateTimeOffset now)
    {
        if (entry.StatusCode is < 200 or > 299 || !IsCacheableMethod(request.Method))
        {
            return false;
        }

        if (request.GetHeader("If-None-Match") is { } ifNoneMatch)
        {
            string? etag = entry.GetHeader("ETag");
            foreach (var tag in ListMembers(ifNoneMatch))
            {
                if (tag == "*" ? etag is not null || entry.StatusCode == 200 : etag is not null && WeakMatch(tag, etag))
                {
                    return true;
                }
            }

            return false;
        }

        if (ParseDate(request.GetHeader("If-Modified-Since")) is { } since && since <= now)
        {
            var modified = ParseDate(entry.GetHeader("Last-Modified")) ?? ParseDate(entry.GetHeader("Date")) ?? entry.ResponseTime;
            return modified <= since;
        }

        return false;
    }

    /// <summary>The 304 for a stored response: its §15.4.5 fields, no content.</summary>
    public static HttpCacheEntry NotModified(HttpCacheEntry entry)
    {
        var headers = new List<KeyValuePair<string, string[]>>(6);
        bool hasETag = entry.GetHeader("ETag") is not null;
        foreach (var header in entry.Headers)
        {
            if (Array.Exists(s_notModifiedFields, f => f.Equals(header.Key, StringComparison.OrdinalIgnoreCase))
                || (!hasETag && header.Key.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase)))
            {
                headers.Add(header);
            }
        }

        return new HttpCacheEntry(304, headers, ReadOnlyMemory<byte>.Empty, entry.RequestTime, entry.ResponseTime);
    }

    /// <summary>
    /// RFC 9110 §13.1.5: an <c>If-Range</c> entity-tag must match the stored one by strong comparison; a date must equal
    /// the stored <c>Last-Modified</c>, which must itself be strong (at least a second before the response's
    /// <c>Date</c>). No <c>If-Range</c>: the range applies.
    /// </summary>
    public static bool IfRangeHolds(HttpCacheEntry entry, string? ifRange)
    {
        if (ifRange is null)
        {
            return true;
        }

        ifRange = ifRange.Trim();
        if (ifRange.StartsWith('"') || ifRange.StartsWith("W/", StringComparison.Ordinal))
        {
            return entry.GetHeader("ETag") is { } etag && StrongMatch(ifRange, etag.Trim());
        }

        return ParseDate(ifRange) is { } date && ParseDate(entry.GetHeader("Last-Modified")) is { } lastModified && date == lastModified
            && (ParseDate(entry.GetHeader("Date")) is not { } responseDate || responseDate - lastModified >= TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Parses a <c>Range</c> value of the <c>bytes</c> unit (RFC 9110 §14.1.1) into (first, last) pairs, where a
    /// suffix range is (-1, length) and an open range is (first, -1). False for another unit or invalid syntax, in
    /// which case the field is ignored.
    /// </summary>
    public static bool TryParseRanges(string value, out List<(long First, long Last)> ranges)
    {
        ranges = [];
        int eq = value.IndexOf('=');
        if (eq < 0 || !value.AsSpan(0, eq).Trim().Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var member in value[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            if (member.Length == 0)
            {
                continue;
            }

            int dash = member.IndexOf('-');
            if (dash < 0)
            {
                return false;
            }

            var firstText = member.AsSpan(0, dash);
            var lastText = member.AsSpan(dash + 1);
            if (firstText.IsEmpty)
            {
                if (!TryDigits(lastText, out long suffix))
                {
                    return false;
                }

                ranges.Add((-1, suffix));
                continue;
            }

            if (!TryDigits(firstText, out long first))
            {
                return false;
            }

            if (lastText.IsEmpty)
            {
                ranges.Add((first, -1));
                continue;
            }

            if (!TryDigits(lastText, out long last) || last < first)
            {
                return false;
            }

            ranges.Add((first, last));
        }

        return ranges.Count > 0;
    }

    /// <summary>One range of a stored complete 200: a 206 with <c>Content-Range</c>, or a 416 when it is unsatisfiable.</summary>
    public static HttpCacheEntry PartOf(HttpCacheEntry entry, (long First, long Last) range)
    {
        long length = entry.Body.Length;
        long first, last;
        if (range.First < 0)
        {
            first = Math.Max(0, length - range.Last);
            last = length - 1;
            bool satisfiable = range.Last > 0 && length > 0;
            if (!satisfiable)
            {
                return Unsatisfiable(entry, length);
            }
        }
        else
        {
            if (range.First >= length)
            {
                return Unsatisfiable(entry, length);
            }

            first = range.First;
            last = range.Last < 0 ? length - 1 : Math.Min(range.Last, length - 1);
        }

        var headers = new List<KeyValuePair<string, string[]>>(entry.Headers.Count + 1);
        foreach (var header in entry.Headers)
        {
            if (!s_replacedInPart.Contains(header.Key))
            {
                headers.Add(header);
            }
        }

        long count = last - first + 1;
        headers.Add(new("Content-Range", [string.Create(CultureInfo.InvariantCulture, $"bytes {first}-{last}/{length}")]));
        headers.Add(new("Content-Length", [count.ToString(CultureInfo.InvariantCulture)]));
        return new HttpCacheEntry(206, headers, entry.Body.Slice((int)first, (int)count), entry.RequestTime, entry.ResponseTime);
    }

    private static HttpCacheEntry Unsatisfiable(HttpCacheEntry entry, long length)
    {
        var headers = new List<KeyValuePair<string, string[]>>(NotModified(entry).Headers)
        {
            new("Content-Range", [string.Create(CultureInfo.InvariantCulture, $"bytes */{length}")]),
            new("Content-Length", ["0"]),
        };
        return new HttpCacheEntry(416, headers, ReadOnlyMemory<byte>.Empty, entry.RequestTime, entry.ResponseTime);
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18 || text.ContainsAnyExcept("0123456789"))
        {
            return false;
        }

        value = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>The members of a list of entity-tags (commas inside quotes do not split).</summary>
    private static List<string> ListMembers(string value)
    {
        var members = new List<string>();
        int start = 0;
        bool quoted = false;
        for (int i = 0; i <= value.Length; i++)
        {
            if (i == value.Length || (value[i] == ',' && !quoted))
            {
                string member = value[start..i].Trim();
                if (member.Length > 0)
                {
                    members.Add(member);
                }

                start = i + 1;
            }
            else if (value[i] == '"')
            {
                quoted = !quoted;
            }
        }

        return members;
    }

    /// <summary>RFC 9110 §8.8.3.2 weak comparison: the opaque tags match, either or both may be weak.</summary>
    public static bool WeakMatch(string a, string b) => string.Equals(Opaque(a), Opaque(b), StringComparison.Ordinal);

    /// <summary>RFC 9110 §8.8.3.2 strong comparison: both strong and the opaque tags match.</summary>
    public static bool StrongMatch(string a, string b) =>
        !a.StartsWith("W/", StringComparison.Ordinal) && !b.StartsWith("W/", StringComparison.Ordinal) && string.Equals(a.Trim(), b.Trim(), StringComparison.Ordinal);

    private static string Opaque(string tag)
    {
        tag = tag.Trim();
        return tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
    }
}
