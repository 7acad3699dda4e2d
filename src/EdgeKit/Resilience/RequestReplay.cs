using System.Net.Http.Json;
using EdgeKit.Client;
using EdgeKit.Configuration;

namespace EdgeKit.Resilience;

/// <summary>The rules that decide whether a request may be sent more than once.</summary>
public static class RequestReplay
{
    /// <summary>Decides whether <paramref name="request"/> may be retried or hedged.</summary>
    /// <param name="request">The request.</param>
    /// <param name="allowNonIdempotent">Whether non-idempotent methods may be (<see cref="EdgeKitResilienceOptions.AllowNonIdempotent"/>).</param>
    internal static RetryEligibility Of(HttpRequestMessage request, bool allowNonIdempotent = false)
    {
        if (request.Options.TryGetValue(EdgeKitRequestOptions.AllowRetry, out bool allow))
        {
            if (!allow)
            {
                return RetryEligibility.OptedOut;
            }
        }
        else if (!allowNonIdempotent && !IsIdempotent(request.Method))
        {
            return RetryEligibility.NotIdempotent;
        }

        return IsReplayable(request.Content) ? RetryEligibility.Eligible : RetryEligibility.ContentNotReplayable;
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says that nothing of the request reached the destination: the connection could
    /// not be opened (refused, unreachable, the host name unresolved, the TLS handshake or a proxy tunnel failed).
    /// SocketsHttpHandler reports these only while connecting, before it writes the request or reads its content, so such
    /// a request may be sent again whatever its method. A failure after that (<see cref="HttpRequestError.ResponseEnded"/>,
    /// a reset, an invalid response) may come after the destination acted on the request. EdgeKit's resilience pipeline
    /// retries such a failure whatever the request's method and content (only an explicit opt-out stops it), and a
    /// transport of your own should report a failure to connect this way too.
    /// </summary>
    /// <param name="exception">What the transport threw.</param>
    /// <returns>Whether nothing of the request can have reached the destination.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static bool NothingSent(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is HttpRequestException
        {
            HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
        };
    }

    /// <summary>The idempotent methods of RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE.</summary>
    internal static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get
        || method == HttpMethod.Head
        || method == HttpMethod.Options
        || method == HttpMethod.Trace
        || method == HttpMethod.Put
        || method == HttpMethod.Delete;

    /// <summary>
    /// Whether <paramref name="content"/> can be sent again (and by hedged copies at once): none, bytes held in memory
    /// (<see cref="ByteArrayContent"/> and its <see cref="StringContent"/> and <see cref="FormUrlEncodedContent"/>,
    /// <see cref="ReadOnlyMemoryContent"/>), <see cref="JsonContent"/> (serialised anew each time), and
    /// <see cref="MultipartContent"/> whose parts all are. A <see cref="StreamContent"/> may wrap a stream that cannot
    /// be rewound, and an unknown content type may too.
    /// </summary>
    internal static bool IsReplayable(HttpContent? content)
    {
        switch (content)
        {
            case null:
            case ByteArrayContent:
            case ReadOnlyMemoryContent:
            case JsonContent:
                return true;
            case MultipartContent multipart:
                foreach (var part in multipart)
                {
                    if (!IsReplayable(part))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }
}
