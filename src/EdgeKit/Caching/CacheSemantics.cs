using System.Globalization;
using EdgeKit.Configuration;

namespace EdgeKit.Caching;

/// <summary>
/// RFC 9111 (and RFC 5861) as pure functions: whether a response may be stored, how fresh a stored response is, and
/// whether it may answer a request. No I/O, no clock: the caller passes the times.
/// </summary>
internal static partial class CacheSemantics
{
    /// <summary>Header fields a cache never stores or copies from a 304 (hop-by-hop and the framing of the body, RFC 9111 §3.1-3.2).</summary>
    private static readonly HashSet<string> s_notStored = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Authentication-Info",

        // Each cache adds its own Cache-Status member when it answers; an upstream's, stored, would describe the past.
        "Cache-Status",
    };

    /// <summary>Header fields a 304 does not update in the stored response (RFC 9111 §3.2, RFC 9110 §15.4.5).</summary>
    private static readonly HashSet<string> s_notUpdated = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Content-Encoding", "Content-Range", "Content-Type",
    };

    /// <summary>The longest freshness lifetime honoured: 2^31 seconds, the delta-seconds cap of RFC 9111 §1.2.2.</summary>
    private static readonly TimeSpan s_maxFreshness = TimeSpan.FromSeconds(2147483648);

    /// <summary>GET and HEAD: the methods whose responses this cache stores.</summary>
    public static bool IsCacheableMethod(string method) =>
        method.Equals("GET", StringComparison.OrdinalIgnoreCase) || method.Equals("HEAD", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 9110 §9.2.1 safe methods; a non-error response to any other method invalidates (RFC 9111 §4.4).</summary>
    public static bool IsSafeMethod(string method) =>
        IsCacheableMethod(method) || method.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase) || method.Equals("TRACE", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 9110 §15.1: statuses cacheable by default (heuristically).</summary>
    public static bool IsHeuristicallyCacheable(int status) =>
        status is 200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>
    /// The statuses whose caching requirements this cache implements (RFC 9111 §5.2.2.3 <c>must-understand</c>): the
    /// final statuses it stores and serves as they are, with no semantics of their own it would have to apply.
    /// </summary>
    public static bool IsUnderstoodStatus(int status) =>
        status is 200 or 203 or 204 or 300 or 301 or 302 or 303 or 307 or 308 or 404 or 405 or 410 or 414 or 451 or 501;

    /// <summary>Whether the header field is stored with a response.</summary>
    public static bool IsStoredHeader(string name) => !s_notStored.Contains(name);

    /// <summary>
    /// RFC 9111 §3 (with §3.5 for Authorization): may this response to this request be stored, and for how long should
    /// the store keep it? Returns a reason when it may not (used in logs and tests).
    /// </summary>
    public static StoreDecision DecideStore(CacheRequest request, in ResponseFacts response, HttpCacheOptions options,
        DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        bool shared = options.Mode == HttpCacheMode.Shared;
        if (!IsCacheableMethod(request.Method))
        {
            return StoreDecision.No("method");
        }

        if (request.CacheControl.NoStore)
        {
            return StoreDecision.No("request-no-store");
        }

        if (response.StatusCode is < 200 or 206 or 304)
        {
            return StoreDecision.No("status");
        }

        var cc = response.Directives();
        if (cc.MustUnderstand)
        {
            // RFC 9111 §5.2.2.3: stored only by a cache that understands the status, which then ignores no-store.
            if (!IsUnderstoodStatus(response.StatusCode))
            {
                return StoreDecision.No("must-understand");
            }
        }
        else if (cc.NoStore)
        {
            return StoreDecision.No("no-store");
        }

        if (shared && cc.Private)
        {
            return StoreDecision.No("private");
        }

        if (shared && request.HasAuthorization && !(cc.Public || cc.SharedMaxAge is not null || cc.MustRevalidate))
        {
            return StoreDecision.No("authorization");
        }

        string[] varyFields = [];
        if (response.Vary is not null)
        {
            varyFields = ParseVary(response.Vary);
            if (Array.IndexOf(varyFields, "*") >= 0)
            {
                return StoreDecision.No("vary-star");
            }
        }

        if (shared && response.HasSetCookie && !options.StoreResponsesWithSetCookie)
        {
            return StoreDecision.No("set-cookie");
        }

        bool explicitFreshness = cc.MaxAge is not null || (shared && cc.SharedMaxAge is not null) || response.Expires is not null;
        if (!(explicitFreshness || cc.Public || IsHeuristicallyCacheable(response.StatusCode) || (!shared && cc.Private)))
        {
            return StoreDecision.No("status");
        }

        if (response.ContentLength > options.MaximumEntrySize)
        {
            return StoreDecision.No("too-large");
        }

        var analysis = Analyze(response, cc, options, requestTime, responseTime);
        var left = analysis.FreshnessLifetime - analysis.CorrectedInitialAge;
        var keep = Max(left, TimeSpan.Zero);
        var staleWindow = analysis.MustRevalidate ? TimeSpan.Zero : Max(analysis.StaleWhileRevalidate ?? TimeSpan.Zero, analysis.StaleIfError ?? TimeSpan.Zero);
        if (analysis.NoCache && !analysis.HasValidator)
        {
            return StoreDecision.No("no-cache-without-validator");
        }

        if (keep <= TimeSpan.Zero && staleWindow <= TimeSpan.Zero && !analysis.HasValidator)
        {
            // Stale on arrival, and nothing could ever make it usable but a client's max-stale: not worth storing.
            return StoreDecision.No("stale-without-validator");
        }

        // Kept past its stale windows for revalidation (with a validator) and for requests with max-stale/stale-if-error.
        var timeToLive = keep + Max(staleWindow, options.StaleRetention);
        if (timeToLive <= TimeSpan.Zero)
        {
            return StoreDecision.No("stale-without-validator");
        }

        return new StoreDecision(true, null, timeToLive, varyFields, analysis);
    }

    /// <summary>RFC 9111 §4.2.1 freshness lifetime and §4.2.3 initial age, and the directives that govern reuse.</summary>
    public static CacheEntryAnalysis Analyze(in ResponseFacts response, CacheControl cc, HttpCacheOptions options,
        DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        bool shared = options.Mode == HttpCacheMode.Shared;
        var date = ParseDate(response.Date) ?? responseTime;

        TimeSpan freshness;
        if (shared && cc.SharedMaxAge is { } sMaxAge)
        {
            freshness = sMaxAge;
        }
        else if (cc.MaxAge is { } maxAge)
        {
            freshness = maxAge;
        }
        else if (response.Expires is not null)
        {
            // An invalid Expires (such as "0") means already expired (RFC 9111 §5.3).
            freshness = ParseDate(response.Expires) is { } expires ? Max(expires - date, TimeSpan.Zero) : TimeSpan.Zero;
        }
        else if ((IsHeuristicallyCacheable(response.StatusCode) || cc.Public) && ParseDate(response.LastModified) is { } lastModified
            && lastModified < date)
        {
            var heuristic = TimeSpan.FromTicks((long)((date - lastModified).Ticks * options.HeuristicFreshnessFraction));
            freshness = heuristic < options.MaximumHeuristicFreshness ? heuristic : options.MaximumHeuristicFreshness;
        }
        else
        {
            freshness = TimeSpan.Zero;
        }

        // RFC 9111 §1.2.2: no lifetime beyond 2^31 seconds, however far apart Date and Expires are (0001 to 9999 would
        // otherwise give a time to live that no store can add to its clock).
        freshness = freshness < s_maxFreshness ? freshness : s_maxFreshness;

        // RFC 9111 §4.2.3; a list-valued Age (several field lines, or "7200, 0") counts by its first value (§5.1).
        var ageValue = ParseDelta(FirstMember(response.Age)) ?? TimeSpan.Zero;
        var apparentAge = Max(responseTime - date, TimeSpan.Zero);
        var responseDelay = responseTime - requestTime;
        var correctedAgeValue = ageValue + responseDelay;
        var correctedInitialAge = Max(apparentAge, correctedAgeValue);

        return new CacheEntryAnalysis
        {
            FreshnessLifetime = freshness,
            CorrectedInitialAge = correctedInitialAge,
            NoCache = cc.NoCache,
            MustRevalidate = cc.MustRevalidate || (shared && (cc.ProxyRevalidate || cc.SharedMaxAge is not null)),
            StaleWhileRevalidate = cc.StaleWhileRevalidate,
            StaleIfError = cc.StaleIfError,
            ETag = response.ETag,
            LastModified = response.LastModified,
        };
    }

    /// <summary>The analysis of a stored entry, computed on first use.</summary>
    public static CacheEntryAnalysis AnalysisOf(HttpCacheEntry entry, HttpCacheOptions options)
    {
        if (entry.Analysis is { } cached)
        {
            return cached;
        }

        var facts = ResponseFacts.From(entry, options);
        var analysis = Analyze(facts, facts.Directives(), options, entry.RequestTime, entry.ResponseTime);
        entry.Analysis = analysis;
        return analysis;
    }

    /// <summary>RFC 9111 §4.2.3 <c>current_age</c>.</summary>
    public static TimeSpan CurrentAge(HttpCacheEntry entry, CacheEntryAnalysis analysis, DateTimeOffset now) =>
        analysis.CorrectedInitialAge + Max(now - entry.ResponseTime, TimeSpan.Zero);

    /// <summary>
    /// RFC 9111 §4 (and RFC 5861): may the stored response answer this request now, as is, stale, or only after
    /// revalidation?
    /// </summary>
    public static CacheLookup Evaluate(HttpCacheEntry entry, CacheRequest request, HttpCacheOptions options, DateTimeOffset now)
    {
        var analysis = AnalysisOf(entry, options);
        var rc = request.CacheControl;
        var age = CurrentAge(entry, analysis, now);
        var freshLeft = analysis.FreshnessLifetime - age;
        var staleness = -freshLeft;

        // RFC 5861 §4 within RFC 9111 §4.2.4: never where must-revalidate, proxy-revalidate or s-maxage (shared) or a
        // response no-cache forbid serving stale; a request no-cache accepts only its own stale-if-error.
        bool staleIfError = !analysis.MustRevalidate && !analysis.NoCache
            && ((!rc.NoCache && analysis.StaleIfError is { } responseSie && staleness <= responseSie)
                || (rc.StaleIfError is { } requestSie && staleness <= requestSie));

        if (rc.NoCache)
        {
            return new CacheLookup(CacheAction.Revalidate, entry, age, freshLeft, CacheForwardReason.Request, staleIfError);
        }

        if (analysis.NoCache)
        {
            return new CacheLookup(CacheAction.Revalidate, entry, age, freshLeft, CacheForwardReason.Stale, staleIfError);
        }

        bool acceptable = (rc.MaxAge is not { } maxAge || age <= maxAge || rc.MaxStale is not null)
            && (rc.MinFresh is not { } minFresh || freshLeft >= minFresh);

        if (freshLeft > TimeSpan.Zero)
        {
            return acceptable
                ? new CacheLookup(CacheAction.Serve, entry, age, freshLeft, CacheForwardReason.None, false)
                : new CacheLookup(CacheAction.Revalidate, entry, age, freshLeft, CacheForwardReason.Request, staleIfError);
        }

        if (!analysis.MustRevalidate && acceptable)
        {
            if (rc.MaxStale is { } maxStale && staleness <= maxStale)
            {
                return new CacheLookup(CacheAction.ServeStale, entry, age, freshLeft, CacheForwardReason.None, false);
            }

            if (analysis.StaleWhileRevalidate is { } swr && staleness <= swr)
            {
                return new CacheLookup(CacheAction.ServeStaleWhileRevalidate, entry, age, freshLeft, CacheForwardReason.Stale, false);
            }
        }

        return new CacheLookup(CacheAction.Revalidate, entry, age, freshLeft, CacheForwardReason.Stale, staleIfError);
    }

    /// <summary>
    /// RFC 9111 §4.3.4: the stored response freshened by a 304, its header fields updated by the 304's (except framing
    /// and content fields), timed by the revalidation exchange.
    /// </summary>
    public static HttpCacheEntry Freshen(HttpCacheEntry stored, IReadOnlyList<KeyValuePair<string, string[]>> notModifiedHeaders,
        DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var updated = new List<KeyValuePair<string, string[]>>(stored.Headers.Count + 4);
        var replaced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in notModifiedHeaders)
        {
            if (IsStoredHeader(header.Key) && !s_notUpdated.Contains(header.Key))
            {
                replaced.Add(header.Key);
            }
        }

        foreach (var header in stored.Headers)
        {
            if (!replaced.Contains(header.Key) && !header.Key.Equals("Age", StringComparison.OrdinalIgnoreCase))
            {
                updated.Add(header);
            }
        }

        foreach (var header in notModifiedHeaders)
        {
            if (replaced.Contains(header.Key))
            {
                updated.Add(header);
            }
        }

        return new HttpCacheEntry(stored.StatusCode, updated, stored.Body, requestTime, responseTime);
    }

    /// <summary>The field names of a Vary value, lower case, sorted and distinct; "*" stays "*".</summary>
    public static string[] ParseVary(string vary)
    {
        var fields = vary.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < fields.Length; i++)
        {
            fields[i] = fields[i].ToLowerInvariant();
        }

        Array.Sort(fields, StringComparer.Ordinal);
        return fields.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The secondary key of the variant a request selects (RFC 9111 §4.1): its values of the Vary fields.</summary>
    public static string VariantKey(string primaryKey, IReadOnlyList<string> fields, CacheRequest request)
    {
        var key = new System.Text.StringBuilder(primaryKey);
        foreach (var field in fields)
        {
            key.Append('\n').Append(field).Append(':');
            string? value = request.GetHeader(field);
            if (value is null)
            {
                key.Append('\0');
            }
            else
            {
                // Normalise insignificant whitespace around list members (RFC 9111 §4.1).
                var parts = value.Split(',', StringSplitOptions.TrimEntries);
                key.AppendJoin(',', parts);
            }
        }

        return key.ToString();
    }

    private static readonly string[] s_obsoleteDateFormats =
    [
        "dddd, dd-MMM-yy HH:mm:ss 'GMT'", // RFC 850
        "ddd MMM d HH:mm:ss yyyy", // asctime
        "ddd MMM  d HH:mm:ss yyyy",
        "ddd MMM dd HH:mm:ss yyyy",
    ];

    /// <summary>
    /// An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms), or null when absent or
    /// invalid. Names of days, months and the zone are read case-insensitively (a cache recipient's leniency).
    /// </summary>
    public static DateTimeOffset? ParseDate(string? value)
    {
        if (value is null)
        {
            return null;
        }

        string text = NormaliseDateNames(value.Trim());
        const DateTimeStyles styles = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
        return DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, styles, out var date)
            || DateTimeOffset.TryParseExact(text, s_obsoleteDateFormats, CultureInfo.InvariantCulture, styles, out date)
            ? date
            : null;
    }

    /// <summary>"sun, 06 nov 1994 08:49:37 gmt" → "Sun, 06 Nov 1994 08:49:37 GMT".</summary>
    private static string NormaliseDateNames(string value)
    {
        char[]? chars = null;
        for (int i = 0; i < value.Length;)
        {
            if (!char.IsAsciiLetter(value[i]))
            {
                i++;
                continue;
            }

            int start = i;
            while (i < value.Length && char.IsAsciiLetter(value[i]))
            {
                i++;
            }

            bool zone = i - start == 3 && value.AsSpan(start, 3).Equals("GMT", StringComparison.OrdinalIgnoreCase);
            for (int j = start; j < i; j++)
            {
                char wanted = zone || j == start ? char.ToUpperInvariant(value[j]) : char.ToLowerInvariant(value[j]);
                if (wanted != value[j])
                {
                    chars ??= value.ToCharArray();
                    chars[j] = wanted;
                }
            }
        }

        return chars is null ? value : new string(chars);
    }

    /// <summary>The first member of a comma-separated list value.</summary>
    private static string? FirstMember(string? value)
    {
        if (value is null)
        {
            return null;
        }

        int comma = value.IndexOf(',');
        return comma < 0 ? value : value[..comma];
    }

    private static TimeSpan? ParseDelta(string? value) =>
        value is not null && long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            ? TimeSpan.FromSeconds(Math.Min(seconds, 2147483648))
            : null;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
