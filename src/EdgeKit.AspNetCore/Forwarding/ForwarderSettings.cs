using EdgeKit.AspNetCore.Configuration;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary><see cref="ForwarderOptions"/> turned into what the request path needs, once per configuration.</summary>
internal sealed class ForwarderSettings
{
    public ForwarderSettings(ForwarderOptions options, IReadOnlyDictionary<string, Affinity.ClusterAffinity>? affinity = null, IdentityForwarding.IdentityHeaderNames? identityHeaders = null)
    {
        DefaultTimeout = options.DefaultTimeout;
        IdentityHeaders = identityHeaders is { IsEmpty: false } ? identityHeaders : null;
        Affinity = affinity is { Count: > 0 } ? System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(affinity, StringComparer.OrdinalIgnoreCase) : null;
        UpgradeIdleTimeout = options.UpgradeIdleTimeout;
        if (options.Via is { Length: > 0 } pseudonym)
        {
            Via = new ViaValues(pseudonym);
        }
    }

    public TimeSpan DefaultTimeout { get; }

    /// <summary>Session affinity by cluster; <see langword="null"/> when no cluster has any.</summary>
    public System.Collections.Frozen.FrozenDictionary<string, Affinity.ClusterAffinity>? Affinity { get; }
    public TimeSpan UpgradeIdleTimeout { get; }

    /// <summary>
    /// Every identity header name of every identity-forwarding profile, or <see langword="null"/> for none: an incoming
    /// header matching one (case ignored, <c>-</c> and <c>_</c> alike) is never forwarded, on any route.
    /// </summary>
    public IdentityForwarding.IdentityHeaderNames? IdentityHeaders { get; }

    /// <summary>The <c>Via</c> values added both ways, or <see langword="null"/> for none.</summary>
    public ViaValues? Via { get; }
}

/// <summary>Precomputed <c>Via</c> values (RFC 9110 §7.6.3: received protocol version, then the pseudonym).</summary>
internal sealed class ViaValues(string pseudonym)
{
    private readonly string _http10 = "1.0 " + pseudonym;
    private readonly string _http11 = "1.1 " + pseudonym;
    private readonly string _http2 = "2 " + pseudonym;
    private readonly string _http3 = "3 " + pseudonym;

    /// <summary>For a request received with <paramref name="protocol"/> (e.g. <c>HTTP/1.1</c>).</summary>
    public string For(string protocol) => protocol switch
    {
        "HTTP/2" => _http2,
        "HTTP/3" => _http3,
        "HTTP/1.0" => _http10,
        _ => _http11,
    };

    /// <summary>For a response received with <paramref name="version"/>.</summary>
    public string For(Version version) => version.Major switch
    {
        2 => _http2,
        3 => _http3,
        _ => version.Minor == 0 ? _http10 : _http11,
    };
}
