using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeKit.Client;
using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// The backend connection settings both transports share: the <see cref="SocketsHttpHandler"/> a cluster uses (and the
/// EdgeKit transport keeps for upgrades), and the TLS options built from <see cref="ClusterHttpClientOptions"/>.
/// </summary>
internal static class BackendHandlers
{
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
}
