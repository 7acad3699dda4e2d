using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Balancing;

/// <summary>Builds a <see cref="PickContext"/> for an incoming ASP.NET Core request, so the gateway picks with the same core as the HttpClient handler.</summary>
public static class HttpContextPickContext
{
    /// <summary>
    /// The pick context for <paramref name="httpContext"/> in <paramref name="snapshot"/>'s cluster: the
    /// current timestamp and, when the cluster uses request keys, the key read from the configured header,
    /// else the configured cookie.
    /// </summary>
    /// <param name="httpContext">The incoming request.</param>
    /// <param name="snapshot">The cluster snapshot the pick will use.</param>
    /// <param name="excluded">Destinations to avoid (for example after a failed attempt).</param>
    /// <returns>The context.</returns>
    public static PickContext Create(HttpContext httpContext, ClusterSnapshot snapshot, IReadOnlyList<DestinationState>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(snapshot);
        long now = snapshot.TimeProvider.GetTimestamp();
        string? key = snapshot.UsesRequestKey ? ReadKey(httpContext.Request, snapshot.LoadBalancing.RequestKey) : null;
        return new PickContext(now, key, excluded);
    }

    /// <summary>Reads the request key: the configured header's first non-empty value, else the configured cookie.</summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="options">Where the key comes from.</param>
    /// <returns>The key, or <see langword="null"/> when the request has none.</returns>
    public static string? ReadKey(HttpRequest request, RequestKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Header is { } header)
        {
            foreach (var value in request.Headers[header])
            {
                if (!string.IsNullOrEmpty(value))
                {
                    return value;
                }
            }
        }

        if (options.Cookie is { } cookie && request.Cookies.TryGetValue(cookie, out var cookieValue) && !string.IsNullOrEmpty(cookieValue))
        {
            return cookieValue;
        }

        return null;
    }
}
