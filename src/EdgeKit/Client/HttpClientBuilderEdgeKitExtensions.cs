using EdgeKit.Client;
using EdgeKit.Destinations;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Client-side load balancing for <see cref="IHttpClientBuilder"/>.</summary>
public static class HttpClientBuilderEdgeKitExtensions
{
    /// <summary>
    /// Sends this client's requests to the destinations of an EdgeKit cluster: each request's scheme, host
    /// and port are replaced by a destination's, picked by the cluster's strategy.
    /// </summary>
    /// <remarks>
    /// <para>For retries, timeouts and hedging that know about destinations, add <c>AddEdgeKitResilience()</c> to the same
    /// client (before or after this call: its handler is always put directly in front of the balancing handler).</para>
    /// <para>With Microsoft.Extensions.Http.Resilience instead, call this <em>after</em> adding its handler (for example
    /// <c>AddStandardResilienceHandler()</c>) so the balancing handler sits inside it and every retry or hedged attempt
    /// picks a destination again. A retry resends the same request and so avoids the destinations its earlier attempts
    /// failed on; a hedged attempt is a copy of the request and does not know them. See docs/resilience.md.</para>
    /// <para>The client's primary handler becomes a <see cref="System.Net.Http.SocketsHttpHandler"/> that sends each request
    /// at most once (<see cref="SocketsHttpHandlerExtensions.UseSingleDelivery"/>): otherwise it resends, unseen by the
    /// balancing handler and by any retry budget, a request without a body whose connection closed before the response.
    /// A primary handler you configure for the client replaces it; call <c>UseSingleDelivery()</c> on yours.</para>
    /// <para>The client's <see cref="System.Net.Http.HttpClient.BaseAddress"/> is logical, e.g. <c>http://orders/</c>; only its
    /// path and query reach the destination.</para>
    /// </remarks>
    /// <param name="builder">The HttpClient builder.</param>
    /// <param name="clusterName">The cluster, as named in <c>AddCluster</c> or configuration.</param>
    /// <returns>The HttpClient builder.</returns>
    /// <exception cref="KeyNotFoundException">When a client is created and no cluster has that name.</exception>
    public static IHttpClientBuilder AddEdgeKitBalancing(this IHttpClientBuilder builder, string clusterName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        builder.Services.AddEdgeKit();
        builder.AddHttpMessageHandler(sp => new BalancingHandler(sp.GetRequiredService<ClusterRegistry>().GetCluster(clusterName)));
        // The balancing handler sees one attempt per send: no hidden resend by the transport below it.
        builder.Services.Configure<Microsoft.Extensions.Http.HttpClientFactoryOptions>(builder.Name,
            static options => SocketsHttpHandlerExtensions.UseSingleDeliveryByDefault(options, static () => new SocketsHttpHandler()));
        return builder;
    }
}
