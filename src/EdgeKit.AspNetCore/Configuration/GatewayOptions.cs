namespace EdgeKit.AspNetCore.Configuration;

/// <summary>
/// The gateway's configuration, bound from the same section as the clusters (by default <c>EdgeKit</c>):
/// <c>EdgeKit:Routes:&lt;id&gt;</c> beside <c>EdgeKit:Clusters:&lt;name&gt;</c>. Reloads with its configuration;
/// a reload that does not validate is logged (every problem) and the routes in force stay.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>Routes by id (compared case-insensitively).</summary>
    public Dictionary<string, GatewayRouteOptions> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Forwarding settings shared by every route.</summary>
    public ForwarderOptions Forwarder { get; set; } = new();

    /// <summary>Stateless session affinity by cluster name (<c>EdgeKit:SessionAffinity:&lt;cluster&gt;</c>); clusters not listed have none.</summary>
    public Dictionary<string, Affinity.SessionAffinityOptions> SessionAffinity { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The <c>X-Forwarded-*</c> and <c>Forwarded</c> headers every route sends, and the proxies trusted to send them.</summary>
    public GatewayForwardedHeadersOptions ForwardedHeaders { get; set; } = new();

    /// <summary>
    /// Identity forwarding settings by name (<c>EdgeKit:IdentityForwarding:&lt;name&gt;</c>), referred to by routes'
    /// <see cref="GatewayRouteOptions.IdentityForwarding"/>. The identity header names of every entry are protected on
    /// every route: an incoming header matching one (case ignored, <c>-</c> and <c>_</c> alike) is never forwarded.
    /// </summary>
    public Dictionary<string, IdentityForwarding.IdentityForwardingOptions> IdentityForwarding { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What the status API and the dashboard show (<c>EdgeKit:Status</c>).</summary>
    public GatewayStatusOptions Status { get; set; } = new();

    /// <summary>
    /// Thread-pool workers kept beyond one per processor (<c>EdgeKit:ReloadThreadReserve</c>), from 0 to 64; default 1.
    /// A file-based configuration source with <c>reloadOnChange</c> (<c>appsettings.json</c> in every ASP.NET app) waits
    /// its <c>ReloadDelay</c> (250 ms) with <c>Thread.Sleep</c> on a thread-pool thread before it reads the changed file:
    /// on a gateway with one processor that is the only worker, and every request stalls for that long. The gateway
    /// raises the thread pool's minimum worker count to the processor count plus this reserve (it never lowers it), so
    /// a sleeping reload leaves a worker for requests. Applied at start and after each applied reload; 0 leaves the
    /// thread pool as it is.
    /// </summary>
    public int ReloadThreadReserve { get; set; } = DefaultReloadThreadReserve;

    /// <summary>The default <see cref="ReloadThreadReserve"/>: one worker, enough for one reloading file at a time.</summary>
    public const int DefaultReloadThreadReserve = 1;

    /// <summary>The largest <see cref="ReloadThreadReserve"/> accepted.</summary>
    public const int MaxReloadThreadReserve = 64;

    /// <summary>Returns the route named <paramref name="id"/>, adding an empty one first if there is none.</summary>
    /// <param name="id">The route id.</param>
    /// <returns>The route's options.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null or blank.</exception>
    public GatewayRouteOptions GetOrAddRoute(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (!Routes.TryGetValue(id, out var route))
        {
            route = new GatewayRouteOptions();
            Routes[id] = route;
        }

        return route;
    }
}
