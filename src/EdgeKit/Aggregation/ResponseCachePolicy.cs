using System.Net.Http.Headers;

namespace EdgeKit.Aggregation;

/// <summary>
/// Combines the legs' <c>Cache-Control</c> into the most restrictive one, and their <c>Vary</c> into the union.
/// Thread-safe: legs add as their responses arrive.
/// </summary>
/// <remarks>
/// <c>no-store</c> anywhere → <c>no-store</c>. Otherwise <c>private</c> if any leg is private, and <c>max-age</c> the
/// smallest of the legs' <c>max-age</c>, unless a leg has <c>no-cache</c>, no <c>max-age</c> or no <c>Cache-Control</c>
/// at all: then <c>no-cache</c> (the aggregate cannot be fresher than its least-known part).
/// </remarks>
internal sealed class ResponseCachePolicy
{
    private const int NoStore = 1, NoCache = 2, Private = 4, Seen = 8;
    private int _flags;
    private long _maxAgeSeconds = long.MaxValue;
    private readonly Lock _lock = new();
    private List<string>? _vary;

    public string? Vary
    {
        get
        {
            lock (_lock)
            {
                return _vary is null ? null : string.Join(", ", _vary);
            }
        }
    }

    public void Add(CacheControlHeaderValue? cacheControl, HttpHeaderValueCollection<string> vary)
    {
        int flags = Seen;
        if (cacheControl is null || cacheControl.MaxAge is null)
        {
            flags |= NoCache;
        }

        if (cacheControl is not null)
        {
            flags |= (cacheControl.NoStore ? NoStore : 0) | (cacheControl.NoCache ? NoCache : 0) | (cacheControl.Private ? Private : 0);
            if (cacheControl.MaxAge is { } maxAge)
            {
                long seconds = (long)maxAge.TotalSeconds;
                long current;
                while (seconds < (current = Volatile.Read(ref _maxAgeSeconds))
                    && Interlocked.CompareExchange(ref _maxAgeSeconds, seconds, current) != current)
                {
                }
            }
        }

        Interlocked.Or(ref _flags, flags);
        if (vary.Count > 0)
        {
            lock (_lock)
            {
                _vary ??= [];
                foreach (var value in vary)
                {
                    if (!_vary.Contains(value, StringComparer.OrdinalIgnoreCase))
                    {
                        _vary.Add(value);
                    }
                }
            }
        }
    }

    public string ToHeaderValue()
    {
        int flags = Volatile.Read(ref _flags);
        if ((flags & NoStore) != 0)
        {
            return "no-store";
        }

        string privacy = (flags & Private) != 0 ? "private, " : "";
        long maxAge = Volatile.Read(ref _maxAgeSeconds);
        return (flags & NoCache) != 0 || (flags & Seen) == 0 || maxAge == long.MaxValue
            ? privacy + "no-cache"
            : privacy + "max-age=" + maxAge.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
