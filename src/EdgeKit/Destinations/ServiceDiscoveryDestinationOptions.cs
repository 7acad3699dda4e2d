using EdgeKit.Configuration;

namespace EdgeKit.Destinations;

/// <summary>
/// How clusters with a <see cref="ClusterOptions.ServiceName"/> get their destinations from
/// Microsoft.Extensions.ServiceDiscovery. Enabled by <c>IEdgeKitBuilder.AddServiceDiscovery()</c>.
/// </summary>
/// <remarks>
/// Resolution runs in the background and never on a request. Besides reacting to the endpoint source's change
/// notifications, every service is resolved again at least every
/// <c>ServiceDiscoveryOptions.RefreshPeriod</c> (Microsoft.Extensions.ServiceDiscovery's setting, default 60 s).
/// </remarks>
public sealed class ServiceDiscoveryDestinationOptions
{
    /// <summary>The default <see cref="InitialResolutionTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultInitialResolutionTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="ResolutionTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultResolutionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="RetryDelay"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="MaxRetryDelay"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the host's start waits for the first resolution of every service, so that the first requests
    /// find destinations. A service not resolved by then is logged and its cluster starts without the
    /// destinations it would resolve to (requests get <c>NoAvailableDestinationException</c> until they
    /// arrive). A first resolution that fails does not stop the start either: it is logged and retried.
    /// Default 5 s; <see cref="TimeSpan.Zero"/> does not wait at all. Must not be negative.
    /// </summary>
    public TimeSpan InitialResolutionTimeout { get; set; } = DefaultInitialResolutionTimeout;

    /// <summary>
    /// How long one resolution may take before it counts as failed (logged, previous destinations kept, retried).
    /// Default 10 s; must be positive.
    /// </summary>
    public TimeSpan ResolutionTimeout { get; set; } = DefaultResolutionTimeout;

    /// <summary>
    /// The wait before retrying a failed resolution. It doubles with each failure in a row, up to
    /// <see cref="MaxRetryDelay"/>. Default 1 s; must be positive.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = DefaultRetryDelay;

    /// <summary>The longest wait between retries of a failing resolution. Default 30 s; must be at least <see cref="RetryDelay"/>.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;
}
