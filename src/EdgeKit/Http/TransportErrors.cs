namespace EdgeKit.Http;

/// <summary>
/// Stable names for why an HTTP exchange failed in the transport, for metrics' <c>error.type</c>, logs and error bodies:
/// never an exception's message, which can carry addresses and change between runtime versions.
/// </summary>
internal static class TransportErrors
{
    /// <summary>The name of <paramref name="error"/>: <c>connection_error</c>, <c>response_ended</c>, <c>invalid_response</c>, ...</summary>
    public static string Name(HttpRequestError error) => error switch
    {
        HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
            or HttpRequestError.ProxyTunnelError => "connection_error",
        HttpRequestError.ResponseEnded => "response_ended",
        HttpRequestError.InvalidResponse => "invalid_response",
        HttpRequestError.HttpProtocolError => "http_protocol_error",
        HttpRequestError.VersionNegotiationError => "version_negotiation_error",
        HttpRequestError.ConfigurationLimitExceeded => "configuration_limit_exceeded",
        _ => "transport_error",
    };

    /// <summary>The name of the transport failure <paramref name="exception"/> stands for (<c>transport_error</c> when it says nothing more).</summary>
    public static string Name(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException { HttpRequestError: var error })
            {
                return Name(error);
            }

            if (current is HttpIOException { HttpRequestError: var ioError })
            {
                return Name(ioError);
            }
        }

        return "transport_error";
    }
}
