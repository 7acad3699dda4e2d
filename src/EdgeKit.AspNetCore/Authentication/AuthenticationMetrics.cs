using System.Diagnostics.Metrics;
using EdgeKit.Telemetry;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// The instrument of the gateway's authentication schemes, on EdgeKit's one meter (<see cref="EdgeKitTelemetry.Meter"/>).
/// Tags never carry tokens, keys or credentials: only the scheme's name and a fixed reason word.
/// </summary>
internal static class AuthenticationMetrics
{
    /// <summary>Tag: the authentication scheme's name.</summary>
    public const string SchemeTag = "edgekit.auth.scheme";

    /// <summary>Tag: why authentication failed, one of a fixed set of words (<c>expired</c>, <c>unknown_key</c>, ...).</summary>
    public const string ReasonTag = "edgekit.auth.reason";

    public static readonly Counter<long> Failures = EdgeKitTelemetry.Meter.CreateCounter<long>(
        "edgekit.auth.failures", "{request}", "Requests whose credentials an EdgeKit scheme rejected, by scheme and reason.");

    /// <summary>Counts one request whose credentials <paramref name="scheme"/> rejected for <paramref name="reason"/>.</summary>
    public static void RecordFailure(string scheme, string reason)
    {
        if (Failures.Enabled)
        {
            Failures.Add(1, new KeyValuePair<string, object?>(SchemeTag, scheme), new KeyValuePair<string, object?>(ReasonTag, reason));
        }
    }
}
