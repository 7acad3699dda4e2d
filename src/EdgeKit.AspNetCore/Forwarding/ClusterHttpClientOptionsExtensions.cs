using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>Compares a cluster's HTTP client settings, so that a reload keeps a cluster's handler when they did not change.</summary>
internal static class ClusterHttpClientOptionsExtensions
{
    /// <summary>Whether <paramref name="options"/> and <paramref name="other"/> build the same handler.</summary>
    public static bool SameAs(this ClusterHttpClientOptions options, ClusterHttpClientOptions other) =>
        options.RequestVersion == other.RequestVersion
        && options.VersionPolicy == other.VersionPolicy
        && options.MaxConnectionsPerServer == other.MaxConnectionsPerServer
        && options.EnableMultipleHttp2Connections == other.EnableMultipleHttp2Connections
        && options.PooledConnectionLifetime == other.PooledConnectionLifetime
        && options.PooledConnectionIdleTimeout == other.PooledConnectionIdleTimeout
        && options.ConnectTimeout == other.ConnectTimeout
        && options.SslProtocols == other.SslProtocols
        && options.DangerousAcceptAnyServerCertificate == other.DangerousAcceptAnyServerCertificate
        && options.ClientCertificatePath == other.ClientCertificatePath
        && options.ClientCertificateKeyPath == other.ClientCertificateKeyPath
        && options.ClientCertificatePassword == other.ClientCertificatePassword
        && options.Transport == other.Transport;
}
