namespace EdgeKit.RateLimiting;

/// <summary>How an HttpClient honours the rate limits its servers announce; see <c>AddEdgeKitServerRateLimits</c>.</summary>
public sealed class ServerRateLimitOptions
{
    /// <summary>The default <see cref="MaxWait"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromSeconds(30);

    /// <summary>What to do with a request while the server has asked the client to wait. Default <see cref="ServerRateLimitBehavior.Wait"/>.</summary>
    public ServerRateLimitBehavior Behavior { get; set; } = ServerRateLimitBehavior.Wait;

    /// <summary>
    /// The longest a request waits (<see cref="ServerRateLimitBehavior.Wait"/>); a longer wait fails at once with
    /// <see cref="RateLimitRejectedException"/>. Default 30 s; zero or more.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = DefaultMaxWait;

    /// <summary>
    /// Adaptive slowdown: when a response's <c>RateLimit</c> field says fewer than this many permits remain
    /// (<c>r</c>), the next requests are spaced <c>t / r</c> apart, so the remaining quota lasts until it resets,
    /// until a response says more remain. Default 0: off (the client only stops when <c>r</c> is 0).
    /// </summary>
    public int SlowdownBelowRemaining { get; set; }
}
