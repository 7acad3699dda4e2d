using System.Collections.Frozen;
using System.Net;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Destinations;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> per cluster, over its transport (EdgeKit's HTTP/1.1 one, a <see cref="SocketsHttpHandler"/>,
/// or with <c>Auto</c> the first for HTTP/1.1 and the second for the rest): no cookies, redirects,
/// automatic decompression or proxy, so the backend's response reaches the client as sent. Rebuilt when the cluster's
/// <see cref="ClusterHttpClientOptions"/> change; requests in flight finish on the pool they started on.
/// </summary>
internal sealed class ForwarderClusters : IDisposable
{
    private readonly ClusterRegistry _registry;
    private readonly Action<ClusterRegistry> _onUpdated;
    private readonly object _rebuildLock = new();
    private FrozenDictionary<string, ForwarderCluster> _clusters = FrozenDictionary<string, ForwarderCluster>.Empty;

    public ForwarderClusters(ClusterRegistry registry)
    {
        _registry = registry;
        _onUpdated = _ => Rebuild();
        registry.Updated += _onUpdated;
        Rebuild();
    }

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ForwarderCluster? cluster)
    {
        if (Volatile.Read(ref _clusters).TryGetValue(name, out cluster) && !cluster.Cluster.IsRemoved)
        {
            return true;
        }

        cluster = null;
        return false;
    }

    private void Rebuild()
    {
        lock (_rebuildLock)
        {
            var previous = Volatile.Read(ref _clusters);
            var options = _registry.CurrentOptions;
            var next = new Dictionary<string, ForwarderCluster>(StringComparer.OrdinalIgnoreCase);
            foreach (var cluster in _registry.Clusters)
            {
                var http = options.Clusters.TryGetValue(cluster.Name, out var clusterOptions) && clusterOptions.HttpClient is { } configured
                    ? configured
                    : new ClusterHttpClientOptions();
                if (previous.TryGetValue(cluster.Name, out var existing) && ReferenceEquals(existing.Cluster, cluster) && existing.Options.SameAs(http))
                {
                    next[cluster.Name] = existing;
                    continue;
                }

                next[cluster.Name] = Create(cluster, http);
            }

            Volatile.Write(ref _clusters, next.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
            // Replaced pools are not disposed here: requests in flight still use them. Their idle connections close
            // after PooledConnectionIdleTimeout and the handler is collected once nothing refers to it.
        }
    }

    /// <summary>
    /// The cluster's invoker over the transport its settings choose: EdgeKit's (which still hands upgrades, and with
    /// <see cref="ClusterTransport.Auto"/> every request that could be HTTP/2 or HTTP/3, to a
    /// <see cref="SocketsHttpHandler"/>), or a <see cref="SocketsHttpHandler"/> alone when no request of the cluster
    /// could go over EdgeKit's.
    /// </summary>
    private static ForwarderCluster Create(Cluster cluster, ClusterHttpClientOptions http)
    {
        var version = http.ParseRequestVersion() ?? HttpVersion.Version20;
        return http.Transport switch
        {
            ClusterTransport.EdgeKit => OnEdgeKit(HttpVersion.Version11),
            ClusterTransport.Auto when Http1Handler.ServesAnyOf(http) => OnEdgeKit(version),
            _ => new ForwarderCluster(cluster, new HttpMessageInvoker(BackendHandlers.CreateHandler(http), disposeHandler: true), http, version),
        };

        // The forwarder sends a route's requests straight to the handler (ForwarderCluster.SendAsync), the invoker
        // serving retried routes and System.Net.Http's event listeners.
        ForwarderCluster OnEdgeKit(Version version)
        {
            var handler = new Http1Handler(http);
            return new ForwarderCluster(cluster, new HttpMessageInvoker(handler, disposeHandler: true), http, version, handler);
        }
    }

    public void Dispose()
    {
        _registry.Updated -= _onUpdated;
        foreach (var cluster in Volatile.Read(ref _clusters).Values)
        {
            cluster.Invoker.Dispose();
        }
    }
}
