using System.Globalization;

namespace EdgeKit.Destinations;

/// <summary>
/// The values of <c>error.type</c> that EdgeKit records for a failed request, on the client side (the balancing
/// handler) and at the gateway alike, in metrics and spans.
/// </summary>
/// <remarks>
/// <para>They follow OpenTelemetry's semantic conventions for <c>error.type</c> on HTTP clients: a status code as text
/// (<c>"503"</c>) when a response arrived and its status is the failure; otherwise a short, fixed identifier of what went
/// wrong. The identifiers of transport failures are the ones .NET's own <c>http.client.request.duration</c> records for
/// an <see cref="HttpRequestException"/>'s <see cref="HttpRequestException.HttpRequestError"/>, so EdgeKit's series and
/// the runtime's can be read side by side.</para>
/// <para>A custom transport reporting through <see cref="RequestLease.Complete"/> should use these values too, or
/// <see cref="FromException"/> and <see cref="FromStatusCode"/>.</para>
/// </remarks>
public static class RequestErrorTypes
{
    /// <summary>The connection to the destination could not be opened (refused, reset or unreachable while connecting).</summary>
    public const string ConnectionError = "connection_error";

    /// <summary>The destination's host name could not be resolved.</summary>
    public const string NameResolutionError = "name_resolution_error";

    /// <summary>The TLS handshake with the destination failed.</summary>
    public const string SecureConnectionError = "secure_connection_error";

    /// <summary>A proxy in front of the destination refused to open the tunnel to it.</summary>
    public const string ProxyTunnelError = "proxy_tunnel_error";

    /// <summary>The destination broke the HTTP protocol (an HTTP/2 or HTTP/3 protocol error).</summary>
    public const string HttpProtocolError = "http_protocol_error";

    /// <summary>The destination does not support the extended <c>CONNECT</c> the request needed (RFC 8441).</summary>
    public const string ExtendedConnectNotSupported = "extended_connect_not_supported";

    /// <summary>No HTTP version acceptable to the request's version policy could be agreed with the destination.</summary>
    public const string VersionNegotiationError = "version_negotiation_error";

    /// <summary>Authenticating with the destination (or a proxy) failed at the transport level.</summary>
    public const string UserAuthenticationError = "user_authentication_error";

    /// <summary>The destination's response could not be parsed.</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>The connection ended before the response did.</summary>
    public const string ResponseEnded = "response_ended";

    /// <summary>The response exceeded a limit of the client (headers too large, ...).</summary>
    public const string ConfigurationLimitExceeded = "configuration_limit_exceeded";

    /// <summary>Any other failure of the transport (an <see cref="HttpRequestException"/> without a known cause).</summary>
    public const string TransportError = "transport_error";

    /// <summary>The destination did not answer in time: a per-attempt or route timeout, or a timeout of the transport itself.</summary>
    public const string Timeout = "timeout";

    /// <summary>The response's headers arrived, then reading its body from the destination failed.</summary>
    public const string ResponseBodyError = "response_body_error";

    /// <summary>OpenTelemetry's value for a failure that none of the known values describes.</summary>
    public const string Other = "_OTHER";

    private static readonly string[] s_statusTexts = CreateStatusTexts();

    /// <summary>The <c>error.type</c> of a response whose status is the failure: the status code as text (<c>"503"</c>), without allocating for 100-599.</summary>
    /// <param name="statusCode">The response's status code.</param>
    /// <returns>The status code as invariant text.</returns>
    public static string FromStatusCode(int statusCode) =>
        (uint)(statusCode - 100) < 500 ? s_statusTexts[statusCode - 100] : statusCode.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The <c>error.type</c> of a request that failed with <paramref name="exception"/> before a response arrived: the
    /// identifier of an <see cref="HttpRequestException"/>'s or <see cref="HttpIOException"/>'s <see cref="HttpRequestError"/>, <see cref="Timeout"/> for a
    /// <see cref="TimeoutException"/> or a cancellation caused by one, <see cref="TransportError"/> for an
    /// <see cref="HttpRequestException"/> of unknown cause, and otherwise the exception's full type name (as OpenTelemetry
    /// recommends when no better identifier exists).
    /// </summary>
    /// <param name="exception">The exception the transport threw. The caller's own cancellation is not a failure: report it as <see cref="RequestOutcome.Cancelled"/>.</param>
    /// <returns>The identifier.</returns>
    public static string FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            HttpRequestException http => FromHttpRequestError(http.HttpRequestError),
            HttpIOException io => FromHttpRequestError(io.HttpRequestError),
            TimeoutException => Timeout,
            OperationCanceledException { InnerException: TimeoutException } => Timeout,
            _ => exception.GetType().FullName ?? Other,
        };
    }

    /// <summary>
    /// Whether a failure of this type means the request never reached the destination: the connection was refused or
    /// could not be made (<see cref="ConnectionError"/>) or the name did not resolve (<see cref="NameResolutionError"/>).
    /// Outlier detection treats a run of these as a dead destination.
    /// </summary>
    internal static bool IsUnreachable(string? errorType) => errorType is ConnectionError or NameResolutionError;

    private static string FromHttpRequestError(HttpRequestError error) => error switch
    {
        HttpRequestError.ConnectionError => ConnectionError,
        HttpRequestError.NameResolutionError => NameResolutionError,
        HttpRequestError.SecureConnectionError => SecureConnectionError,
        HttpRequestError.ProxyTunnelError => ProxyTunnelError,
        HttpRequestError.HttpProtocolError => HttpProtocolError,
        HttpRequestError.ExtendedConnectNotSupported => ExtendedConnectNotSupported,
        HttpRequestError.VersionNegotiationError => VersionNegotiationError,
        HttpRequestError.UserAuthenticationError => UserAuthenticationError,
        HttpRequestError.InvalidResponse => InvalidResponse,
        HttpRequestError.ResponseEnded => ResponseEnded,
        HttpRequestError.ConfigurationLimitExceeded => ConfigurationLimitExceeded,
        _ => TransportError,
    };

    private static string[] CreateStatusTexts()
    {
        var texts = new string[500];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = (i + 100).ToString(CultureInfo.InvariantCulture);
        }

        return texts;
    }
}
