using System.Net.Http.Json;
using EdgeKit.Http;

namespace EdgeKit.Resilience;

/// <summary>The rules that decide whether a request may be sent more than once.</summary>
internal static class RequestReplay
{
    /// <summary>Decides whether <paramref name="request"/> may be retried or hedged.</summary>
    public static RetryEligibility Of(HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(EdgeKitRequestOptions.AllowRetry, out bool allow))
        {
            if (!allow)
            {
                return RetryEligibility.OptedOut;
            }
        }
        else if (!IsIdempotent(request.Method))
        {
            return RetryEligibility.NotIdempotent;
        }

        return IsReplayable(request.Content) ? RetryEligibility.Eligible : RetryEligibility.ContentNotReplayable;
    }

    /// <summary>The idempotent methods of RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE.</summary>
    public static bool IsIdempotent(HttpMethod method) =>
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
    public static bool IsReplayable(HttpContent? content)
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
