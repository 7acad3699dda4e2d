namespace EdgeKit.Http;

/// <summary>Keys of <see cref="HttpRequestMessage.Options"/> that EdgeKit reads.</summary>
public static class EdgeKitRequestOptions
{
    /// <summary>
    /// The request's key for consistent hashing and session affinity. When set, it wins over any header
    /// or cookie configured in <see cref="Balancing.RequestKeyOptions"/>.
    /// </summary>
    /// <example><code>request.Options.Set(EdgeKitRequestOptions.RequestKey, userId);</code></example>
    public static readonly HttpRequestOptionsKey<string> RequestKey = new("EdgeKit.RequestKey");
}
