using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Http;

/// <summary>
/// The gateway's own error answers: RFC 9457 problem details (<c>application/problem+json</c>). They never name a
/// backend's address or carry an exception's text or stack: only what the client can act on, and a trace id to
/// find the full story in the gateway's logs.
/// </summary>
public static class GatewayProblem
{
    /// <summary>The media type of every error body the gateway writes.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>Problem type: no destination of the route's cluster can take the request (503).</summary>
    public const string NoAvailableDestination = "urn:edgekit:problem:no-available-destination";

    /// <summary>Problem type: the route's cluster does not exist (503).</summary>
    public const string ClusterNotFound = "urn:edgekit:problem:cluster-not-found";

    /// <summary>Problem type: the instance a session is bound to is unavailable and the affinity policy forbids moving it (503).</summary>
    public const string AffinityDestinationUnavailable = "urn:edgekit:problem:affinity-destination-unavailable";

    /// <summary>Problem type: the backend could not be reached (502).</summary>
    public const string BackendUnreachable = "urn:edgekit:problem:backend-unreachable";

    /// <summary>Problem type: the backend failed while answering (502).</summary>
    public const string BadGateway = "urn:edgekit:problem:bad-gateway";

    /// <summary>Problem type: the backend did not answer in time (504).</summary>
    public const string Timeout = "urn:edgekit:problem:gateway-timeout";

    /// <summary>Problem type: the client's request body could not be read (400).</summary>
    public const string BadRequestBody = "urn:edgekit:problem:bad-request-body";

    /// <summary>Problem type: the client's request body is larger than the route allows (413).</summary>
    public const string RequestBodyTooLarge = "urn:edgekit:problem:request-body-too-large";

    /// <summary>Problem type: the request breaks its protocol's rules, e.g. an HTTP/2 request with a connection-specific field (400).</summary>
    public const string MalformedRequest = "urn:edgekit:problem:malformed-request";

    /// <summary>Problem type: no gateway route (nor other endpoint of the application) matches the request (404).</summary>
    public const string RouteNotFound = "urn:edgekit:problem:route-not-found";

    /// <summary>Problem type: a route matches the path but not the method (405, with <c>Allow</c>).</summary>
    public const string MethodNotAllowed = "urn:edgekit:problem:method-not-allowed";

    /// <summary>
    /// Writes a problem response, unless the response has started (then the connection is aborted, so the client
    /// sees a truncated response rather than a complete-looking one) or the client is gone (nothing is written).
    /// </summary>
    /// <param name="context">The exchange.</param>
    /// <param name="status">The status code.</param>
    /// <param name="type">The problem type URI.</param>
    /// <param name="title">A short summary that does not change between occurrences.</param>
    /// <param name="detail">What happened this time, in words safe to show a client.</param>
    /// <returns>A task that completes when the response is written.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static Task WriteAsync(HttpContext context, int status, string type, string title, string? detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(title);
        if (context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        if (context.Response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        var response = context.Response;
        response.Clear();
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("title", title);
            writer.WriteNumber("status", status);
            if (detail is not null)
            {
                writer.WriteString("detail", detail);
            }

            writer.WriteString("traceId", Activity.Current?.Id ?? context.TraceIdentifier);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
