using System.Collections.Concurrent;

namespace EdgeKit.RateLimiting;

/// <summary>
/// What one client has learned about its servers' limits, per server (scheme, host and port of the request URI; with
/// balancing after this handler, the logical service): when it may send again, and the spacing of adaptive slowdown.
/// Shared by every handler instance of the client; lock-free.
/// </summary>
internal sealed class ServerRateLimitState
{
    private readonly ConcurrentDictionary<string, Server> _servers = new(StringComparer.OrdinalIgnoreCase);

    public Server For(Uri? uri) => _servers.GetOrAdd(uri is null ? string.Empty : uri.GetLeftPart(UriPartial.Authority), static _ => new Server());

    internal sealed class Server
    {
        private long _blockedUntil = long.MinValue;
        private long _nextSend = long.MinValue;
        private long _spacing;

        /// <summary>Nothing is sent before this timestamp (from Retry-After or <c>r=0</c>).</summary>
        public long BlockedUntil => Volatile.Read(ref _blockedUntil);

        /// <summary>The spacing between requests of adaptive slowdown, in timestamp units (0: none).</summary>
        public long Spacing => Volatile.Read(ref _spacing);

        public void BlockUntil(long timestamp)
        {
            long current;
            do
            {
                current = Volatile.Read(ref _blockedUntil);
                if (current >= timestamp)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _blockedUntil, timestamp, current) != current);
        }

        public void SetSpacing(long spacing) => Volatile.Write(ref _spacing, spacing);

        /// <summary>When the caller may send: after the block and, with slowdown, at its reserved slot (reserved by this call).</summary>
        public long ReserveSendTime(long now)
        {
            long start = Math.Max(BlockedUntil, now);
            long spacing = Spacing;
            if (spacing <= 0)
            {
                return start;
            }

            while (true)
            {
                long next = Volatile.Read(ref _nextSend);
                long slot = Math.Max(next, start);
                if (Interlocked.CompareExchange(ref _nextSend, slot + spacing, next) == next)
                {
                    return slot;
                }
            }
        }
    }
}
