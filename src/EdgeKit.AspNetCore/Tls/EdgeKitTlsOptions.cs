using System.Security.Cryptography.X509Certificates;

namespace EdgeKit.AspNetCore.Tls;

/// <summary>
/// TLS termination for the gateway's HTTPS endpoints: a certificate per host name (SNI) from PEM or PFX files or the
/// machine's store, reloaded when its files change; the lowest TLS version accepted; client certificates (mTLS).
/// Apply with <c>HttpsConnectionAdapterOptions.UseEdgeKitTls(...)</c>.
/// </summary>
public sealed class EdgeKitTlsOptions
{
    /// <summary>
    /// Server certificates by the host name a client asks for (SNI): an exact name (<c>api.example.com</c>), a wildcard
    /// for one label (<c>*.example.com</c>), or <c>*</c> for any other name and for clients that send none.
    /// </summary>
    public Dictionary<string, TlsCertificateOptions> Certificates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The lowest TLS version accepted. Default <see cref="TlsVersion.Tls12"/>.</summary>
    public TlsVersion MinimumVersion { get; set; } = TlsVersion.Tls12;

    /// <summary>
    /// The TLS 1.2 cipher suites allowed (names of <see cref="System.Net.Security.TlsCipherSuite"/>, e.g.
    /// <c>TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</c>); empty (the default): the operating system's policy. Linux and macOS only.
    /// </summary>
    public List<string> CipherSuites { get; set; } = [];

    /// <summary>Whether clients are asked for a certificate (mTLS). Default <see cref="ClientCertificateRequirement.None"/>.</summary>
    public ClientCertificateRequirement ClientCertificates { get; set; } = ClientCertificateRequirement.None;

    /// <summary>
    /// The certificate authorities (PEM files) that client certificates must chain to; required when client certificates
    /// are asked for. Only these are trusted for clients, not the machine's roots.
    /// </summary>
    public List<string> ClientCertificateAuthorities { get; set; } = [];

    /// <summary>
    /// The request header that carries a verified client certificate's subject to the backend (<c>CN=client-1, O=Partner</c>).
    /// The header is removed from every incoming request first, so a client cannot forge it. Empty: not forwarded.
    /// Default <c>X-Client-Cert-Subject</c>.
    /// </summary>
    public string ClientCertificateHeader { get; set; } = "X-Client-Cert-Subject";

    /// <summary>The port HTTP requests are redirected to (routes' <c>HttpsRedirect</c>); not set: the port of the gateway's first HTTPS address.</summary>
    public int? HttpsPort { get; set; }
}

/// <summary>Where a certificate comes from: files (<see cref="Path"/>) or the machine's store (<see cref="Subject"/>).</summary>
public sealed class TlsCertificateOptions
{
    /// <summary>A PEM certificate (with <see cref="KeyPath"/>, or its key in the same file) or a PFX/PKCS#12 file.</summary>
    public string? Path { get; set; }

    /// <summary>The PEM private key, when it is not in <see cref="Path"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of an encrypted PEM key or of a PFX file.</summary>
    public string? Password { get; set; }

    /// <summary>Instead of a file: the subject (or part of it) of a certificate in <see cref="Store"/>, the newest valid one that has a private key.</summary>
    public string? Subject { get; set; }

    /// <summary>The store's name. Default <c>My</c>.</summary>
    public string Store { get; set; } = "My";

    /// <summary>The store's location. Default <see cref="StoreLocation.CurrentUser"/>.</summary>
    public StoreLocation Location { get; set; } = StoreLocation.CurrentUser;
}

/// <summary>The lowest TLS version accepted.</summary>
public enum TlsVersion
{
    /// <summary>TLS 1.2 and 1.3.</summary>
    Tls12,

    /// <summary>TLS 1.3 only.</summary>
    Tls13,
}

/// <summary>Whether clients are asked for a certificate.</summary>
public enum ClientCertificateRequirement
{
    /// <summary>Not asked for.</summary>
    None,

    /// <summary>Asked for; a client without one connects, and routes with <c>RequireClientCertificate</c> answer it 403.</summary>
    Optional,

    /// <summary>Every connection must present one that verifies.</summary>
    Required,
}
