namespace EdgeKit.Telemetry;

/// <summary>
/// The tag names EdgeKit's metrics and spans share (on <see cref="EdgeKitTelemetry.Meter"/> and
/// <see cref="EdgeKitTelemetry.ActivitySource"/>), for a transport, a dashboard query or a span of your own that should
/// speak the same vocabulary. <see cref="StatusCode"/> and <see cref="ErrorType"/> are OpenTelemetry's HTTP semantic
/// conventions; the others are EdgeKit's. Feature-specific tags (cache, rate limiting, auth, ...) are listed with their
/// instruments in docs/telemetry.md.
/// </summary>
public static class EdgeKitTags
{
    /// <summary>The cluster's name: <c>edgekit.cluster</c>.</summary>
    public const string Cluster = "edgekit.cluster";

    /// <summary>The destination's id: <c>edgekit.destination</c>.</summary>
    public const string Destination = "edgekit.destination";

    /// <summary>
    /// How a request ended, <c>edgekit.outcome</c>: <c>success</c>, <c>failure</c> or <c>cancelled</c> for requests;
    /// <c>passed</c> or <c>failed</c> for health probes.
    /// </summary>
    public const string Outcome = "edgekit.outcome";

    /// <summary>
    /// The response's status code, <c>http.response.status_code</c> (an <see cref="int"/>; absent when no response
    /// arrived). <see cref="StatusCodeValue"/> gives its value without allocating.
    /// </summary>
    public const string StatusCode = "http.response.status_code";

    /// <summary>
    /// What went wrong, <c>error.type</c> (failures only): the status code as text when a response's status is the
    /// failure, otherwise one of the fixed identifiers of <c>EdgeKit.Destinations.RequestErrorTypes</c>.
    /// </summary>
    public const string ErrorType = "error.type";

    private static readonly object[] s_statusCodes = CreateStatusCodes();

    /// <summary>
    /// The value of the <see cref="StatusCode"/> tag for <paramref name="statusCode"/>: the boxed <see cref="int"/>, cached
    /// for 100–599 so that tagging a measurement or a span allocates nothing on the request path. Any other number is
    /// boxed as usual.
    /// </summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <returns>The boxed status code; the same instance each time for 100–599.</returns>
    public static object StatusCodeValue(int statusCode) =>
        (uint)(statusCode - 100) < (uint)s_statusCodes.Length ? s_statusCodes[statusCode - 100] : statusCode;

    private static object[] CreateStatusCodes()
    {
        var codes = new object[500];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = i + 100;
        }

        return codes;
    }
}
