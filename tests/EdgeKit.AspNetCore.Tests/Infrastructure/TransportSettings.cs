namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>The suites that run once per backend transport (issue 20) choose it the same way.</summary>
public static class TransportSettings
{
    /// <summary>
    /// Sets <c>Clusters:<paramref name="cluster"/>:HttpClient:Transport</c> when <paramref name="transport"/> is given;
    /// <see langword="null"/> leaves the cluster on the default transport. Returns the same settings.
    /// </summary>
    public static Dictionary<string, string?> OnTransport(this Dictionary<string, string?> settings, string? transport, string cluster = "c")
    {
        if (transport is not null)
        {
            settings[$"Clusters:{cluster}:HttpClient:Transport"] = transport;
        }

        return settings;
    }
}
