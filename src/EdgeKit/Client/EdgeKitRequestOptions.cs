namespace EdgeKit.Client;

/// <summary>Keys of <see cref="HttpRequestMessage.Options"/> that EdgeKit reads.</summary>
public static class EdgeKitRequestOptions
{
    /// <summary>
    /// The request's key for consistent hashing and session affinity. When set, it wins over any header
    /// or cookie configured in <see cref="EdgeKit.Configuration.RequestKeyOptions"/>.
    /// </summary>
    /// <example><code>request.Options.Set(EdgeKitRequestOptions.RequestKey, userId);</code></example>
    public static readonly HttpRequestOptionsKey<string> RequestKey = new("EdgeKit.RequestKey");

    /// <summary>
    /// Whether EdgeKit's resilience handler may send the request more than once. Unset (the default), the method
    /// decides (RFC 9110 §9.2.2): GET, HEAD, OPTIONS, TRACE, PUT and DELETE may be retried (and hedged, when hedging
    /// is on); POST, PATCH and any other method are sent once. <see langword="true"/> allows retries and hedging
    /// whatever the method: set it on a POST or PATCH the server deduplicates, for example by an
    /// <c>Idempotency-Key</c> header. <see langword="false"/> sends the request once, whatever its method.
    /// </summary>
    /// <remarks>
    /// Either way, a request whose content cannot be sent twice is sent once: only no content, <see cref="ByteArrayContent"/>
    /// (and so <see cref="StringContent"/> and <see cref="FormUrlEncodedContent"/>), <see cref="ReadOnlyMemoryContent"/>,
    /// <c>JsonContent</c>, and <see cref="MultipartContent"/> made of these can be; a <see cref="StreamContent"/> cannot.
    /// </remarks>
    /// <example><code>request.Options.Set(EdgeKitRequestOptions.AllowRetry, true);</code></example>
    public static readonly HttpRequestOptionsKey<bool> AllowRetry = new("EdgeKit.AllowRetry");
}
