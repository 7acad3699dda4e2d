using System.Collections.Frozen;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeKit.Destinations;
using EdgeKit.Http;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> over a <see cref="SocketsHttpHandler"/> per cluster: no cookies, redirects,
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

                next[cluster.Name] = http.Transport == ClusterTransport.EdgeKit
                    ? new ForwarderCluster(cluster, new HttpMessageInvoker(new Transport.Http1Handler(http), disposeHandler: true), http, HttpVersion.Version11)
                    : new ForwarderCluster(cluster, new HttpMessageInvoker(CreateHandler(http), disposeHandler: true), http,
                        http.ParseRequestVersion() ?? HttpVersion.Version20);
            }

            Volatile.Write(ref _clusters, next.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
            // Replaced pools are not disposed here: requests in flight still use them. Their idle connections close
            // after PooledConnectionIdleTimeout and the handler is collected once nothing refers to it.
        }
    }

    internal static SocketsHttpHandler CreateHandler(ClusterHttpClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            ConnectTimeout = options.ConnectTimeout,
        };
        if (options.MaxConnectionsPerServer is { } max)
        {
            handler.MaxConnectionsPerServer = max;
        }

        handler.SslOptions = CreateSslOptions(options);
        // Never a hidden resend of a request the client sent once (RFC 9110 §9.2.2): EdgeKit decides.
        return handler.UseSingleDelivery();
    }

    /// <summary>The cluster's TLS settings (protocols, certificate validation, client certificate), shared by both transports.</summary>
    internal static SslClientAuthenticationOptions CreateSslOptions(ClusterHttpClientOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.SslProtocols is { } protocols)
        {
            ssl.EnabledSslProtocols = protocols;
        }

        if (options.DangerousAcceptAnyServerCertificate)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }

        if (options.ClientCertificatePath is { } path)
        {
            var certificate = LoadClientCertificate(path, options.ClientCertificateKeyPath, options.ClientCertificatePassword);
            ssl.ClientCertificates = new X509CertificateCollection { certificate };
        }

        return ssl;
    }

    private static X509Certificate2 LoadClientCertificate(string path, string? keyPath, string? password)
    {
        if (keyPath is not null)
        {
            var pem = password is null
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            // An ephemeral PEM key cannot be used by SslStream on every platform: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password);
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
