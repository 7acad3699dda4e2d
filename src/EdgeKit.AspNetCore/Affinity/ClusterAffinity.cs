using EdgeKit.AspNetCore.Caching;
using EdgeKit.Configuration;
using EdgeKit.AspNetCore.Http;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Affinity;

/// <summary>What a request's affinity value said.</summary>
internal enum AffinityLookup
{
    /// <summary>No value, or one that is not genuine (tampered, signed with an unknown key, naming no destination).</summary>
    None,

    /// <summary>A genuine value naming an available destination.</summary>
    Found,

    /// <summary>A genuine value naming a destination that is unhealthy or ejected.</summary>
    Unavailable,
}

/// <summary>Session affinity of one cluster, ready for requests (built once per configuration).</summary>
internal sealed class ClusterAffinity(SessionAffinityOptions options, AffinityValueProtector protector)
{
    private readonly string _name = options.EffectiveName;

    public SessionAffinityOptions Options { get; } = options;

    public AffinityLookup Find(HttpContext context, ClusterSnapshot snapshot, out DestinationState? destination)
    {
        destination = null;
        string? value = Options.Mode == SessionAffinityMode.Cookie
            ? context.Request.Cookies[_name]
            : context.Request.Headers[_name].ToString();
        if (string.IsNullOrEmpty(value) || !protector.TryRead(value, snapshot, out var named))
        {
            return AffinityLookup.None;
        }

        if (!snapshot.IsPanic && named.Health == DestinationHealth.Unhealthy)
        {
            return AffinityLookup.Unavailable;
        }

        destination = named;
        return AffinityLookup.Found;
    }

    /// <summary>Tells the client which destination served it. The value is this client's alone: a cache never stores it.</summary>
    public void Bind(HttpContext context, DestinationState destination)
    {
        string value = protector.Issue(destination.Id);
        var perRequest = context.Features.Get<PerRequestResponseHeaders>();
        if (Options.Mode == SessionAffinityMode.Header)
        {
            context.Response.Headers[_name] = value;
            perRequest?.Mark(_name);
            return;
        }

        var cookie = new CookieOptions
        {
            HttpOnly = true,
            Path = Options.CookiePath,
            Domain = Options.CookieDomain,
            SameSite = Options.CookieSameSite,
            Secure = Options.CookieSecure switch
            {
                AffinityCookieSecurePolicy.Always => true,
                AffinityCookieSecurePolicy.None => false,
                _ => context.Request.IsHttps,
            },
            IsEssential = true,
        };
        if (Options.CookieLifetime is { } lifetime)
        {
            cookie.MaxAge = lifetime;
        }

        context.Response.Cookies.Append(_name, value, cookie);
        if (perRequest is not null)
        {
            // Appended last: the backend's own Set-Cookie lines stay the backend's.
            var lines = context.Response.Headers.SetCookie;
            perRequest.MarkValue(Microsoft.Net.Http.Headers.HeaderNames.SetCookie, lines[lines.Count - 1]!);
        }
    }
}
