using System.Net;
using System.Net.Http;
using System.Security.Authentication;

namespace EdgeKit.Configuration;

/// <summary>
/// How a forwarder connects to a cluster's destinations: the HTTP version asked for, TLS, and the connection pool.
/// Used by the EdgeKit gateway, which keeps one <see cref="HttpMessageInvoker"/> over the cluster's <see cref="Transport"/>
/// per cluster and rebuilds it when these settings change.
/// </summary>
public sealed class ClusterHttpClientOptions
{
    /// <summary>The HTTP version requested from destinations: <c>1.1</c>, <c>2</c> or <c>3</c>. Default <c>2</c>.</summary>
    /// <remarks>With the default <see cref="VersionPolicy"/> (<see cref="HttpVersionPolicy.RequestVersionOrLower"/>),
    /// <c>2</c> gives HTTP/2 over TLS where the destination offers it (ALPN) and HTTP/1.1 otherwise, and HTTP/1.1 over
    /// plain http. Use <see cref="HttpVersionPolicy.RequestVersionExact"/> with <c>2</c> for h2c (HTTP/2 without TLS, e.g. gRPC).</remarks>
    public string RequestVersion { get; set; } = "2";

    /// <summary>How strictly <see cref="RequestVersion"/> applies. Default <see cref="HttpVersionPolicy.RequestVersionOrLower"/>.</summary>
    public HttpVersionPolicy VersionPolicy { get; set; } = HttpVersionPolicy.RequestVersionOrLower;

    /// <summary>The most connections per destination (HTTP/1.1); <see langword="null"/> for no limit. Default <see langword="null"/>.</summary>
    public int? MaxConnectionsPerServer { get; set; }

    /// <summary>Whether more than one HTTP/2 connection may be opened to a destination when streams run out. Default <see langword="true"/>.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>How long a pooled connection lives before it is replaced (so DNS changes are seen). Default 5 minutes.</summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an idle pooled connection is kept. Default 1 minute.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long connecting to a destination may take before it counts as a connect failure (502). Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The TLS protocols allowed; <see langword="null"/> for the operating system's defaults. Default <see langword="null"/>.</summary>
    public SslProtocols? SslProtocols { get; set; }

    /// <summary>
    /// Accept any server certificate. For tests against self-signed destinations only: it turns TLS into encryption
    /// without authentication. Default <see langword="false"/>.
    /// </summary>
    public bool DangerousAcceptAnyServerCertificate { get; set; }

    /// <summary>A client certificate file (PFX/PKCS#12, or PEM with <see cref="ClientCertificateKeyPath"/>) presented to destinations; <see langword="null"/> for none.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>The private key file (PEM) of a PEM <see cref="ClientCertificatePath"/>; <see langword="null"/> when the certificate file holds its key.</summary>
    public string? ClientCertificateKeyPath { get; set; }

    /// <summary>The password of <see cref="ClientCertificatePath"/> (PFX) or of its key; <see langword="null"/> for none.</summary>
    public string? ClientCertificatePassword { get; set; }

    /// <summary>
    /// The client implementation: <see cref="ClusterTransport.Auto"/> (default: EdgeKit's own HTTP/1.1 transport for the
    /// requests that are HTTP/1.1 on either client, <see cref="SocketsHttpHandler"/> for HTTP/2, HTTP/3, HTTP/1.0 and
    /// upgrades), <see cref="ClusterTransport.SocketsHttpHandler"/> or <see cref="ClusterTransport.EdgeKit"/>. With
    /// <c>EdgeKit</c>, a <see cref="RequestVersion"/> of <c>2</c> or <c>3</c> is accepted only with
    /// <see cref="HttpVersionPolicy.RequestVersionOrLower"/> (HTTP/1.1 is then sent); anything that demands HTTP/2 or
    /// HTTP/3 is a start failure.
    /// </summary>
    public ClusterTransport Transport { get; set; } = ClusterTransport.Auto;

    /// <summary>Parses <see cref="RequestVersion"/>.</summary>
    /// <returns>The version, or <see langword="null"/> when the text is not one of <c>1.0</c>, <c>1.1</c>, <c>2</c>, <c>3</c>.</returns>
    public Version? ParseRequestVersion() => RequestVersion?.Trim() switch
    {
        "1.0" => HttpVersion.Version10,
        "1.1" or "1" => HttpVersion.Version11,
        "2" or "2.0" => HttpVersion.Version20,
        "3" or "3.0" => HttpVersion.Version30,
        _ => null,
    };
}
