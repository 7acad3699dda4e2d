using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Resilience;

/// <summary>
/// A <see cref="DelegatingHandler"/> that runs each request through EdgeKit's resilience pipeline (Polly v8: total
/// timeout, retry with backoff and a retry budget, optional hedging, per-attempt timeout) directly in front of a
/// <see cref="BalancingHandler"/>, so that every attempt picks a destination again and avoids those that failed the
/// request, and the balancer can count an attempt timeout against its destination.
/// </summary>
/// <remarks>
/// <para>With dependency injection, use <c>AddEdgeKitResilience()</c> on the client's <c>IHttpClientBuilder</c>;
/// without it, <c>new HttpClient(new EdgeKitResilienceHandler(new BalancingHandler(cluster, new SocketsHttpHandler())))</c>.</para>
/// <para>The handler must sit directly outside its balancing handler: it hands each attempt to it with what the
/// attempts of the request share. It checks this on every request and throws <see cref="InvalidOperationException"/>
/// if another handler was put between them.</para>
/// </remarks>
public sealed class EdgeKitResilienceHandler : DelegatingHandler
{
    private readonly BalancingHandler _balancing;
    private readonly EdgeKitResiliencePipeline _pipeline;

    /// <summary>Creates a handler in front of <paramref name="balancingHandler"/>, which becomes its <see cref="DelegatingHandler.InnerHandler"/>.</summary>
    /// <param name="balancingHandler">The balancing handler that sends each attempt to a destination of its cluster.</param>
    /// <param name="options">The settings; default <see cref="EdgeKitResilienceOptions"/>'s defaults. Copied.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public EdgeKitResilienceHandler(BalancingHandler balancingHandler, EdgeKitResilienceOptions? options = null)
        : this(balancingHandler, options, setInnerHandler: true)
    {
    }

    /// <summary>
    /// Creates a handler for an <c>IHttpClientFactory</c> pipeline, which sets <see cref="DelegatingHandler.InnerHandler"/>
    /// itself (it must then be <paramref name="balancingHandler"/>).
    /// </summary>
    internal EdgeKitResilienceHandler(BalancingHandler balancingHandler, EdgeKitResilienceOptions? options, bool setInnerHandler)
    {
        ArgumentNullException.ThrowIfNull(balancingHandler);
        _balancing = balancingHandler;
        var cluster = balancingHandler.Cluster;
        _pipeline = new EdgeKitResiliencePipeline(
            cluster,
            options ?? new EdgeKitResilienceOptions(),
            cluster.Environment.LoggerFactory.CreateLogger<EdgeKitResilienceHandler>());
        if (setInnerHandler)
        {
            InnerHandler = balancingHandler;
        }
    }

    /// <summary>The cluster whose destinations receive the requests.</summary>
    public Cluster Cluster => _balancing.Cluster;

    /// <summary>The settings in force (a validated copy; changing it has no effect).</summary>
    public EdgeKitResilienceOptions Options => _pipeline.Options;

    /// <summary>The pipeline, for tests.</summary>
    internal EdgeKitResiliencePipeline Pipeline => _pipeline;

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureInFrontOfBalancer();
        return _pipeline.SendAsync(_balancing, request, cancellationToken);
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureInFrontOfBalancer();
        return _pipeline.Send(_balancing, request, cancellationToken);
    }

    private void EnsureInFrontOfBalancer()
    {
        if (!ReferenceEquals(InnerHandler, _balancing))
        {
            throw new InvalidOperationException(
                $"EdgeKit cluster '{Cluster.Name}': the EdgeKit resilience handler must sit directly in front of its BalancingHandler, "
                + $"but its inner handler is {InnerHandler?.GetType().Name ?? "not set"}. Add handlers before AddEdgeKitResilience() or after AddEdgeKitBalancing(), not between them.");
        }
    }
}
