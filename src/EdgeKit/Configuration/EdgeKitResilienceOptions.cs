namespace EdgeKit.Configuration;

/// <summary>
/// EdgeKit's destination-aware resilience for a balanced <see cref="HttpClient"/>: retries that pick another
/// destination, bounded by a retry budget; per-attempt and total timeouts; optional hedging. The per-destination
/// circuit breaker is the cluster's outlier detection (<see cref="OutlierDetectionOptions"/>), which attempt
/// timeouts feed. Defaults follow Envoy where it has one.
/// </summary>
/// <remarks>
/// Only requests that may be sent twice are retried or hedged: idempotent methods (RFC 9110 §9.2.2: GET, HEAD,
/// OPTIONS, TRACE, PUT, DELETE) unless the request opts out, other methods only when the request opts in
/// (<see cref="EdgeKit.Client.EdgeKitRequestOptions.AllowRetry"/>), and never a request whose content cannot be replayed.
/// </remarks>
public sealed class EdgeKitResilienceOptions
{
    /// <summary>The default <see cref="MaxRetryAttempts"/>: 2.</summary>
    public const int DefaultMaxRetryAttempts = 2;

    /// <summary>The largest <see cref="MaxRetryAttempts"/> allowed: 10.</summary>
    public const int MaxAllowedRetryAttempts = 10;

    /// <summary>The default <see cref="RetryableStatuses"/>: 408, 429, 502, 503 and 504.</summary>
    public const string DefaultRetryableStatuses = "408,429,502-504";

    /// <summary>The default <see cref="BaseDelay"/>: 25 ms (Envoy's).</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(25);

    /// <summary>The default <see cref="MaxDelay"/>: 250 ms (Envoy's: ten times the base).</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The default <see cref="MaxRetryAfter"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="AttemptTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="TotalTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultTotalTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="RetryOn"/>: every condition, <c>connect-failure,reset,timeout,retriable-status-codes</c>.</summary>
    public const string DefaultRetryOn = "connect-failure,reset,timeout,retriable-status-codes";

    /// <summary>The default <see cref="MaxReplayBodySize"/>: 64 KiB.</summary>
    public const long DefaultMaxReplayBodySize = 64 * 1024;

    /// <summary>The shortest timeout allowed: 10 ms (Polly's).</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest timeout allowed, other than <see cref="Timeout.InfiniteTimeSpan"/>: 24 hours (Polly's).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>
    /// Retries after the first attempt; each picks a destination again, avoiding those that failed this request.
    /// Default 2; from 0 (no retries) to 10.
    /// </summary>
    public int MaxRetryAttempts { get; set; } = DefaultMaxRetryAttempts;

    /// <summary>
    /// The backoff before the first retry. Retry <c>n</c> (from 0) waits min(<see cref="MaxDelay"/>, BaseDelay × 2^n),
    /// or with <see cref="UseJitter"/> a uniformly random time between half of that and all of it. Default 25 ms; zero or positive.
    /// </summary>
    public TimeSpan BaseDelay { get; set; } = DefaultBaseDelay;

    /// <summary>The longest backoff. Default 250 ms; not below <see cref="BaseDelay"/>.</summary>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;

    /// <summary>Whether backoffs are randomised (between half and all of the exponential delay) so that clients do not retry in step. Default <see langword="true"/>.</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>
    /// The longest a retry waits because a response carried <c>Retry-After</c> (seconds or an HTTP date); the wait is
    /// the header's time, capped at this. A <c>Retry-After</c> beyond the time left before <see cref="TotalTimeout"/>
    /// means the response goes back to the caller at once, without a retry. Default 5 s; <see cref="TimeSpan.Zero"/>
    /// ignores the header (the backoff applies).
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = DefaultMaxRetryAfter;

    /// <summary>
    /// The response statuses that are retried, as codes and ranges such as <c>502-504</c> (400 to 599). Default
    /// <c>408,429,502-504</c>: request timeout, too many requests, and Envoy's <c>gateway-error</c>; 500 is not retried
    /// by default, being usually the application's own error, which another instance would repeat. Empty: only
    /// connection failures, resets and timeouts are retried.
    /// </summary>
    public string RetryableStatuses { get; set; } = DefaultRetryableStatuses;

    /// <summary>
    /// The conditions that are retried, Envoy's names separated by commas: <c>connect-failure</c> (the connection could not
    /// be opened: refused, unreachable, name resolution or TLS handshake failed; nothing reached the destination),
    /// <c>reset</c> (the connection failed after the request was sent and before any byte of the response, e.g. a
    /// backend closing a kept-alive connection without answering), <c>timeout</c> (<see cref="AttemptTimeout"/> or a
    /// timeout of the transport), <c>retriable-status-codes</c> (the <see cref="RetryableStatuses"/>),
    /// <c>gateway-error</c> (502, 503 and 504) and <c>5xx</c> (500 to 599). Default: all but the last two
    /// (<c>connect-failure,reset,timeout,retriable-status-codes</c>). Empty: nothing is retried.
    /// </summary>
    public string RetryOn { get; set; } = DefaultRetryOn;

    /// <summary>
    /// Whether requests with non-idempotent methods (POST, PATCH, ...) may be retried and hedged like idempotent ones
    /// when they failed after reaching the destination. Off by default (RFC 9110 §9.2.2): such a request is sent again only
    /// when nothing of it reached the destination (<c>connect-failure</c>), or, on an <see cref="HttpClient"/>, when it opts
    /// in with <see cref="EdgeKit.Client.EdgeKitRequestOptions.AllowRetry"/>. Turn it on only for services that deduplicate requests.
    /// </summary>
    public bool AllowNonIdempotent { get; set; }

    /// <summary>
    /// At the gateway: the largest request body, in bytes, that is held in memory so that a retry or hedged attempt can
    /// send it again. A request with a larger body, or one without <c>Content-Length</c>, is streamed to the first
    /// destination as it arrives and retried only when nothing of it reached the destination (<c>connect-failure</c>).
    /// Default 64 KiB; 0 or more (0: bodies are never replayed). An <see cref="HttpClient"/>'s request content is
    /// replayable or not by its type (see <see cref="EdgeKit.Resilience.EdgeKitResilienceHandler"/>) and ignores this setting.
    /// </summary>
    public long MaxReplayBodySize { get; set; } = DefaultMaxReplayBodySize;

    /// <summary>
    /// How long one attempt may take before it is cancelled, counted as a failure of its destination (a gateway
    /// failure for outlier detection) and, if allowed, retried on another destination. Default 10 s; from 10 ms to
    /// 24 h, or <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = DefaultAttemptTimeout;

    /// <summary>
    /// How long the whole request may take, retries, backoffs and hedged attempts included. When it passes, the
    /// request fails with Polly's <c>TimeoutRejectedException</c>, and the attempt it cut off counts against no
    /// destination. Default 30 s; from 10 ms to 24 h and not below <see cref="AttemptTimeout"/>, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = DefaultTotalTimeout;

    /// <summary>How many retries (and hedged attempts) may be in flight in a cluster at once. Default: 20% of active requests, at least 3.</summary>
    public RetryBudgetOptions RetryBudget { get; set; } = new();

    /// <summary>Parallel attempts for slow idempotent requests. Off by default.</summary>
    public HedgingOptions Hedging { get; set; } = new();
}
