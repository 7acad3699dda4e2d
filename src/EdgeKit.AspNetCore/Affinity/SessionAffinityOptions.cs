using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Affinity;

/// <summary>Where the affinity value travels.</summary>
public enum SessionAffinityMode
{
    /// <summary>A cookie set by the gateway on the first response (default).</summary>
    Cookie,

    /// <summary>A response header the client echoes back as a request header of the same name.</summary>
    Header,
}

/// <summary>What happens when a request names a destination that is gone or unhealthy.</summary>
public enum SessionAffinityFailurePolicy
{
    /// <summary>Pick another destination and re-bind the client to it (default).</summary>
    Redistribute,

    /// <summary>Answer 503: for backends whose sessions cannot move.</summary>
    Return503,
}

/// <summary>How the <c>Secure</c> attribute of the affinity cookie is set.</summary>
public enum AffinityCookieSecurePolicy
{
    /// <summary>Secure when the client's request came over https (default).</summary>
    SameAsRequest,

    /// <summary>Always Secure.</summary>
    Always,

    /// <summary>Never Secure.</summary>
    None,
}

/// <summary>
/// Stateless session affinity for one cluster at the gateway: the gateway gives the client a signed value naming the
/// destination that served it, and any gateway instance sharing the keys sends the client's later requests there.
/// A tampered, unknown or stale value is ignored and the request is balanced as usual.
/// Configured under <c>EdgeKit:SessionAffinity:&lt;cluster&gt;</c>.
/// </summary>
public sealed class SessionAffinityOptions
{
    /// <summary>Cookie (default) or header.</summary>
    public SessionAffinityMode Mode { get; set; } = SessionAffinityMode.Cookie;

    /// <summary>The cookie or header name. Default <c>.EdgeKit.Affinity</c> for a cookie, <c>X-EdgeKit-Affinity</c> for a header.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Signing keys, base64, at least 32 bytes each. The first signs; every one verifies, so a new key is rolled out
    /// first in second place, then moved first, then the old one removed. Every gateway instance needs the same keys.
    /// Empty (the default): values are protected with ASP.NET Core Data Protection (share its key ring across instances).
    /// </summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>What happens when the named destination is gone or unhealthy. Default <see cref="SessionAffinityFailurePolicy.Redistribute"/>.</summary>
    public SessionAffinityFailurePolicy FailurePolicy { get; set; } = SessionAffinityFailurePolicy.Redistribute;

    /// <summary>How long the cookie lives; <see langword="null"/> (default) for a session cookie.</summary>
    public TimeSpan? CookieLifetime { get; set; }

    /// <summary>The cookie's SameSite attribute. Default <see cref="SameSiteMode.Lax"/>.</summary>
    public SameSiteMode CookieSameSite { get; set; } = SameSiteMode.Lax;

    /// <summary>The cookie's Secure attribute. Default <see cref="AffinityCookieSecurePolicy.SameAsRequest"/>.</summary>
    public AffinityCookieSecurePolicy CookieSecure { get; set; } = AffinityCookieSecurePolicy.SameAsRequest;

    /// <summary>The cookie's Path. Default <c>/</c>.</summary>
    public string CookiePath { get; set; } = "/";

    /// <summary>The cookie's Domain; <see langword="null"/> (default) for the request's host only.</summary>
    public string? CookieDomain { get; set; }

    internal string EffectiveName => Name ?? (Mode == SessionAffinityMode.Cookie ? ".EdgeKit.Affinity" : "X-EdgeKit-Affinity");
}
