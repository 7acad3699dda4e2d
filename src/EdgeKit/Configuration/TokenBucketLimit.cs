namespace EdgeKit.Configuration;

/// <summary>
/// One limit of a token bucket policy: at most <see cref="PermitLimit"/> permits per <see cref="Window"/>, with bursts
/// of up to <see cref="PermitLimit"/> permits. The bucket holds <see cref="PermitLimit"/> tokens and refills continuously
/// at <see cref="PermitLimit"/> per <see cref="Window"/> (one token every <c>Window / PermitLimit</c>).
/// </summary>
public sealed class TokenBucketLimit
{
    /// <summary>The largest <see cref="Window"/> accepted: 366 days.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>Creates a limit with no values set (for configuration binding).</summary>
    public TokenBucketLimit()
    {
    }

    /// <summary>Creates a limit of <paramref name="permitLimit"/> permits per <paramref name="window"/>.</summary>
    /// <param name="permitLimit">Permits per window; also the largest burst.</param>
    /// <param name="window">The window.</param>
    /// <param name="name">The name advertised in <c>RateLimit</c> headers; optional (see <see cref="Name"/>).</param>
    public TokenBucketLimit(int permitLimit, TimeSpan window, string? name = null)
    {
        PermitLimit = permitLimit;
        Window = window;
        Name = name;
    }

    /// <summary>Permits allowed per <see cref="Window"/>, and the largest burst. At least 1. No default (0 is invalid).</summary>
    public int PermitLimit { get; set; }

    /// <summary>The window of the limit: positive, at most <see cref="MaxWindow"/>. No default (zero is invalid).</summary>
    public TimeSpan Window { get; set; }

    /// <summary>
    /// The name advertised to clients (the policy item of the <c>RateLimit-Policy</c> and <c>RateLimit</c> headers).
    /// Default <see langword="null"/>: the policy's name when it has one limit, otherwise
    /// <c>"{policy}-{window in whole seconds}s"</c> (for example <c>"api-1s"</c> and <c>"api-3600s"</c>).
    /// </summary>
    public string? Name { get; set; }
}
