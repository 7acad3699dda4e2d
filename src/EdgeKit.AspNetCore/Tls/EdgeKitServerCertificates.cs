using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeKit.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.Tls;

/// <summary>
/// The server certificates of <see cref="EdgeKitTlsOptions.Certificates"/>, chosen per TLS handshake by the host name
/// the client asks for (SNI), and the client certificate authorities. Certificate files are watched: when one changes,
/// every certificate is loaded again and swapped in at once for new handshakes; connections already open keep theirs and
/// are not dropped. A change that does not load (a file half written, a wrong password) is logged and the certificates
/// in use stay until a change that loads.
/// </summary>
public sealed class EdgeKitServerCertificates : IDisposable
{
    private readonly EdgeKitTlsOptions _options;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _watches = [];
    private readonly object _reloadLock = new();
    private volatile Loaded _loaded;
    private bool _disposed;

    /// <summary>Loads the certificates and starts watching their files.</summary>
    /// <param name="options">The TLS settings.</param>
    /// <param name="configurationPath">Where the settings come from (e.g. <c>Host:Tls</c>), to name keys in errors; empty for none.</param>
    /// <param name="logger">Logs reloads; optional.</param>
    /// <exception cref="EdgeKitConfigurationException">A certificate or authority cannot be loaded; every problem is listed, each naming its key.</exception>
    public EdgeKitServerCertificates(EdgeKitTlsOptions options, string configurationPath = "", ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _path = configurationPath.Length == 0 ? string.Empty : configurationPath + ":";
        _logger = logger ?? NullLogger.Instance;
        var errors = new List<string>();
        _loaded = Load(errors) ?? throw new EdgeKitConfigurationException(errors);
        Watch();
    }

    /// <summary>How many times the certificates were loaded again after a file changed.</summary>
    public int ReloadCount { get; private set; }

    /// <summary>
    /// The certificate for a handshake asking for <paramref name="hostName"/>: the exact name's, else the wildcard's
    /// (<c>*.example.com</c> for <c>api.example.com</c>, one label), else <c>*</c>'s, else none (the handshake fails).
    /// </summary>
    /// <param name="hostName">The SNI host name, or null when the client sent none.</param>
    /// <returns>The certificate, or null.</returns>
    public X509Certificate2? Select(string? hostName)
    {
        var loaded = _loaded;
        if (hostName is { Length: > 0 })
        {
            if (loaded.ByName.TryGetValue(hostName, out var exact))
            {
                return exact;
            }

            int dot = hostName.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && loaded.ByName.TryGetValue(string.Concat("*", hostName.AsSpan(dot)), out var wildcard))
            {
                return wildcard;
            }
        }

        return loaded.Default;
    }

    /// <summary>Whether a client certificate chains to one of <see cref="EdgeKitTlsOptions.ClientCertificateAuthorities"/> (and only to them).</summary>
    /// <param name="certificate">The client's certificate.</param>
    /// <param name="chain">Intermediate certificates the client sent, if any.</param>
    /// <returns>Whether it verifies.</returns>
    public bool VerifyClientCertificate(X509Certificate2 certificate, X509Chain? chain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var authorities = _loaded.Authorities;
        if (authorities.Count == 0)
        {
            return false;
        }

        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var authority in authorities)
        {
            verify.ChainPolicy.CustomTrustStore.Add(authority);
        }

        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        verify.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // clientAuth
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                verify.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return verify.Build(certificate);
    }

    /// <summary>Loads every certificate again now; on failure, logs and keeps the certificates in use.</summary>
    /// <returns>Whether the new certificates are in use.</returns>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return false;
            }

            var errors = new List<string>();
            var loaded = Load(errors);
            if (loaded is null)
            {
                foreach (var error in errors)
                {
                    _logger.LogWarning(new EventId(1901, "TlsReloadFailed"), "TLS certificates not reloaded: {Problem} The certificates in use stay.", error);
                }

                return false;
            }

            _loaded = loaded;
            ReloadCount++;
            _logger.LogInformation(new EventId(1902, "TlsReloaded"), "TLS certificates reloaded ({Count} host names).", loaded.ByName.Count + (loaded.Default is null ? 0 : 1));
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_reloadLock)
        {
            _disposed = true;
            foreach (var watch in _watches)
            {
                watch.Dispose();
            }
        }
    }

    private sealed record Loaded(FrozenDictionary<string, X509Certificate2> ByName, X509Certificate2? Default, IReadOnlyList<X509Certificate2> Authorities);

    private Loaded? Load(List<string> errors)
    {
        var byName = new Dictionary<string, X509Certificate2>(StringComparer.OrdinalIgnoreCase);
        X509Certificate2? fallback = null;
        foreach (var (name, source) in _options.Certificates)
        {
            string key = $"{_path}Certificates:{name}";
            if (name != "*" && (name.Length == 0 || (name.Contains('*', StringComparison.Ordinal) && !(name.StartsWith("*.", StringComparison.Ordinal) && name.LastIndexOf('*') == 0))))
            {
                errors.Add($"`{key}`: '{name}' is not a host name; write api.example.com, *.example.com (one label) or * (any other).");
                continue;
            }

            if (LoadCertificate(key, source, errors) is not { } certificate)
            {
                continue;
            }

            if (name == "*")
            {
                fallback = certificate;
            }
            else
            {
                byName[name] = certificate;
            }
        }

        if (_options.Certificates.Count == 0)
        {
            errors.Add($"`{_path}Certificates`: at least one certificate is required for HTTPS.");
        }

        var authorities = new List<X509Certificate2>();
        for (int i = 0; i < _options.ClientCertificateAuthorities.Count; i++)
        {
            string file = _options.ClientCertificateAuthorities[i];
            try
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(file);
                if (collection.Count == 0)
                {
                    errors.Add($"`{_path}ClientCertificateAuthorities:{i}`: '{file}' holds no PEM certificate.");
                }

                authorities.AddRange(collection);
            }
            catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
            {
                errors.Add($"`{_path}ClientCertificateAuthorities:{i}`: '{file}' cannot be read ({Reason(ex)}).");
            }
        }

        if (_options.ClientCertificates != ClientCertificateRequirement.None && _options.ClientCertificateAuthorities.Count == 0)
        {
            errors.Add($"`{_path}ClientCertificateAuthorities`: client certificates are asked for ({_options.ClientCertificates}) but no authority is trusted to issue them; list the CA certificates' PEM files.");
        }

        foreach (var suite in _options.CipherSuites)
        {
            if (!Enum.TryParse<System.Net.Security.TlsCipherSuite>(suite, ignoreCase: false, out _))
            {
                errors.Add($"`{_path}CipherSuites`: '{suite}' is not a TLS cipher suite name (e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).");
            }
        }

        return errors.Count > 0 ? null : new Loaded(byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), fallback, authorities);
    }

    private static X509Certificate2? LoadCertificate(string key, TlsCertificateOptions source, List<string> errors)
    {
        if (source.Path is { Length: > 0 } path)
        {
            if (source.Subject is not null)
            {
                errors.Add($"`{key}`: give either Path (a file) or Subject (the store), not both.");
                return null;
            }

            if (!File.Exists(path))
            {
                errors.Add($"`{key}:Path`: the file '{path}' does not exist.");
                return null;
            }

            if (source.KeyPath is { } keyPath && !File.Exists(keyPath))
            {
                errors.Add($"`{key}:KeyPath`: the file '{keyPath}' does not exist.");
                return null;
            }

            try
            {
                X509Certificate2 certificate;
                if (IsPem(path))
                {
                    certificate = source.Password is null
                        ? X509Certificate2.CreateFromPemFile(path, source.KeyPath)
                        : X509Certificate2.CreateFromEncryptedPemFile(path, source.Password, source.KeyPath);
                }
                else
                {
                    certificate = X509CertificateLoader.LoadPkcs12FromFile(path, source.Password);
                }

                if (!certificate.HasPrivateKey)
                {
                    errors.Add($"`{key}`: the certificate in '{path}' has no private key{(source.KeyPath is null ? "; give its key file in KeyPath" : string.Empty)}.");
                    return null;
                }

                // An ephemeral key cannot be used by SslStream on every platform; export and import it once.
                return OperatingSystem.IsWindows() ? X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null) : certificate;
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                errors.Add($"`{key}`: the certificate '{path}' cannot be loaded ({Reason(ex)}).");
                return null;
            }
        }

        if (source.Subject is { Length: > 0 } subject)
        {
            try
            {
                using var store = new X509Store(source.Store, source.Location);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                var now = DateTime.Now;
                var found = store.Certificates
                    .Find(X509FindType.FindBySubjectName, subject, validOnly: false)
                    .Where(c => c.HasPrivateKey && c.NotBefore <= now && now <= c.NotAfter)
                    .OrderByDescending(c => c.NotAfter)
                    .FirstOrDefault();
                if (found is null)
                {
                    errors.Add($"`{key}:Subject`: no valid certificate with a private key for '{subject}' in the {source.Location} {source.Store} store.");
                }

                return found;
            }
            catch (CryptographicException ex)
            {
                errors.Add($"`{key}`: the {source.Location} {source.Store} store cannot be opened ({Reason(ex)}).");
                return null;
            }
        }

        errors.Add($"`{key}`: give Path (a PEM or PFX file) or Subject (a certificate in the machine's store).");
        return null;
    }

    private static bool IsPem(string path)
    {
        Span<byte> start = stackalloc byte[64];
        using var file = File.OpenRead(path);
        int read = file.Read(start);
        return System.Text.Encoding.ASCII.GetString(start[..read]).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private static string Reason(Exception ex) => ex.Message.TrimEnd('.');

    private void Watch()
    {
        var files = _options.Certificates.Values
            .SelectMany(c => new[] { c.Path, c.KeyPath })
            .Concat(_options.ClientCertificateAuthorities)
            .Where(f => !string.IsNullOrEmpty(f))
            .Select(f => System.IO.Path.GetFullPath(f!))
            .Distinct(StringComparer.Ordinal);
        foreach (var group in files.GroupBy(f => System.IO.Path.GetDirectoryName(f)!))
        {
            var provider = new PhysicalFileProvider(group.Key) { UsePollingFileWatcher = false };
            _watches.Add(provider);
            foreach (var file in group)
            {
                string name = System.IO.Path.GetFileName(file);
                _watches.Add(ChangeToken.OnChange(() => provider.Watch(name), () => Reload()));
            }
        }
    }
}
