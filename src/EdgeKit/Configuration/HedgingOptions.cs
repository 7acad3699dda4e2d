namespace EdgeKit.Configuration;

/// <summary>
/// Hedging: when an attempt of a request that may be sent twice has not answered within <see cref="Delay"/>, a
/// copy goes to another destination (one that neither failed the request nor has an attempt of it in flight); the
/// first acceptable answer wins and the other attempts are cancelled, which counts against no destination. A copy
/// that fails lets the next one go at once. Hedged attempts take slots of the retry budget.
/// </summary>
/// <remarks>
/// Hedging trades load for tail latency: at most 1 + <see cref="MaxHedgedAttempts"/> attempts run at once, and each
/// of the <see cref="EdgeKitResilienceOptions.MaxRetryAttempts"/> retries may hedge again. Requests sent through
/// <see cref="HttpMessageInvoker.Send(HttpRequestMessage, CancellationToken)"/> (synchronously) are not hedged.
/// </remarks>
public sealed class HedgingOptions
{
    /// <summary>The default <see cref="Delay"/>: 2 s (Polly's).</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(2);

    /// <summary>The default <see cref="MaxHedgedAttempts"/>: 1.</summary>
    public const int DefaultMaxHedgedAttempts = 1;

    /// <summary>Whether requests are hedged. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// How long to wait for an answer before sending the next copy; set it near the latency's 95th or 99th
    /// percentile. Default 2 s; zero (all copies at once) or positive, and below <see cref="EdgeKitResilienceOptions.AttemptTimeout"/>.
    /// </summary>
    public TimeSpan Delay { get; set; } = DefaultDelay;

    /// <summary>Copies sent in addition to the first attempt. Default 1; from 1 to 10.</summary>
    public int MaxHedgedAttempts { get; set; } = DefaultMaxHedgedAttempts;
}
