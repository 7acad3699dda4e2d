using EdgeKit.Client;
using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace EdgeKit.Aggregation;

/// <summary>
/// Gives each client named <see cref="AggregateHttpClientNames.ForCluster"/> its cluster's balancing handler and a
/// logical base address, unless the application already added a balancing handler to it, over a primary handler that
/// delivers each leg at most once (<see cref="SocketsHttpHandlerExtensions.UseSingleDelivery"/>) and keeps no cookies.
/// </summary>
/// <remarks>
/// An <see cref="IConfigureNamedOptions{TOptions}"/> runs before the post-configuration that places EdgeKit's resilience
/// handler, so <c>AddEdgeKitResilience()</c> on the same name finds the balancing handler.
/// </remarks>
internal sealed class AggregateClusterClientConfigurator : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        if (name is null || !name.StartsWith(AggregateHttpClientNames.Prefix, StringComparison.Ordinal) || name.Length == AggregateHttpClientNames.Prefix.Length)
        {
            return;
        }

        string cluster = name[AggregateHttpClientNames.Prefix.Length..];
        var baseAddress = new Uri(Uri.CheckHostName(cluster) == UriHostNameType.Dns ? $"http://{cluster}/" : "http://edgekit-aggregate/");
        options.HttpClientActions.Add(client => client.BaseAddress ??= baseAddress);
        // First, so a primary handler the application configures for this name replaces it. Each leg is delivered at
        // most once (a resend is the resilience handler's decision), and no cookie a backend sets is kept and sent with
        // other callers' legs.
        SocketsHttpHandlerExtensions.UseSingleDeliveryByDefault(options, static () => new SocketsHttpHandler { UseCookies = false });
        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            if (!builder.AdditionalHandlers.Any(h => h is BalancingHandler))
            {
                builder.AdditionalHandlers.Add(new BalancingHandler(builder.Services.GetRequiredService<ClusterRegistry>().GetCluster(cluster)));
            }
        });
    }
}
