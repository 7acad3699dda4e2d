using System.Net.Security;
using System.Security.Authentication;
using EdgeKit.AspNetCore.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>EdgeKit's TLS termination on Kestrel's HTTPS endpoints.</summary>
public static class EdgeKitTlsKestrelExtensions
{
    /// <summary>
    /// Terminates TLS with <paramref name="certificates"/>: the certificate chosen per handshake by host name (SNI), the
    /// lowest version and cipher suites of <paramref name="options"/>, and client certificates verified against its
    /// authorities. Use it on <c>KestrelServerOptions.ConfigureHttpsDefaults</c> (every HTTPS endpoint, including those
    /// from the <c>Kestrel</c> configuration section) or on one endpoint's <c>UseHttps(...)</c>.
    /// </summary>
    /// <param name="https">Kestrel's HTTPS options.</param>
    /// <param name="certificates">The certificates (reloaded when their files change).</param>
    /// <param name="options">The TLS settings.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void UseEdgeKitTls(this HttpsConnectionAdapterOptions https, EdgeKitServerCertificates certificates, EdgeKitTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(https);
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(options);
        https.ServerCertificateSelector = (_, hostName) => certificates.Select(hostName);
        https.SslProtocols = options.MinimumVersion == TlsVersion.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;
        https.ClientCertificateMode = options.ClientCertificates switch
        {
            ClientCertificateRequirement.Optional => ClientCertificateMode.AllowCertificate,
            ClientCertificateRequirement.Required => ClientCertificateMode.RequireCertificate,
            _ => ClientCertificateMode.NoCertificate,
        };
        if (options.ClientCertificates != ClientCertificateRequirement.None)
        {
            // Only the configured authorities: a certificate that does not chain to one fails the handshake.
            https.ClientCertificateValidation = (certificate, chain, _) => certificates.VerifyClientCertificate(certificate, chain);
        }

        if (options.CipherSuites.Count > 0 && !OperatingSystem.IsWindows())
        {
            var policy = new CipherSuitesPolicy(options.CipherSuites.Select(Enum.Parse<TlsCipherSuite>));
            https.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = policy;
        }
    }
}
