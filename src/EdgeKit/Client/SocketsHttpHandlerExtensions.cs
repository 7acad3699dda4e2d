namespace EdgeKit.Client;

/// <summary>Settings EdgeKit applies to the <see cref="SocketsHttpHandler"/>s it sends through.</summary>
public static class SocketsHttpHandlerExtensions
{
    /// <summary>
    /// The message of the <see cref="HttpIOException"/> (<see cref="HttpRequestError.ResponseEnded"/>) a request fails
    /// with when its connection ended before any byte of the response (see <see cref="UseSingleDelivery"/>). A transport
    /// of your own that never resends uses the same text, so the failure reads alike whatever sent the request.
    /// </summary>
    public const string NotAnsweredMessage = "The server closed the connection without answering the request; it is not resent, as it may have been processed.";

    /// <summary>
    /// Makes <paramref name="handler"/> deliver each request at most once. By default <see cref="SocketsHttpHandler"/>
    /// sends a request up to four times when an HTTP/1.1 connection ends before any byte of the response and the request
    /// had no content (or was still waiting on <c>Expect: 100-continue</c>), even a <c>POST</c>: RFC 9110 §9.2.2 forbids a
    /// proxy to do that for a non-idempotent request, and for any request such a resend is invisible to EdgeKit's retry
    /// budget and metrics. With this, the request fails at once with an <see cref="HttpRequestException"/> whose
    /// <see cref="HttpRequestException.HttpRequestError"/> is <see cref="HttpRequestError.ResponseEnded"/>, and
    /// resending is left to EdgeKit's resilience handler. The gateway's forwarder and aggregate legs always use it.
    /// </summary>
    /// <remarks>
    /// Uses <see cref="SocketsHttpHandler.PlaintextStreamFilter"/> (an existing filter keeps running, inside this one).
    /// HTTP/2 connections are not changed: SocketsHttpHandler resends there only requests the server refused unprocessed
    /// (<c>REFUSED_STREAM</c>, or above a <c>GOAWAY</c>'s last stream), which RFC 9113 §8.7 says were not processed.
    /// </remarks>
    /// <param name="handler">The handler, before its first request.</param>
    /// <returns><paramref name="handler"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The handler has already sent a request.</exception>
    public static SocketsHttpHandler UseSingleDelivery(this SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var existing = handler.PlaintextStreamFilter;
        if (existing is null)
        {
            handler.PlaintextStreamFilter = static (context, _) => new ValueTask<Stream>(Wrap(context));
        }
        else
        {
            handler.PlaintextStreamFilter = async (context, cancellationToken) =>
            {
                var stream = await existing(context, cancellationToken).ConfigureAwait(false);
                return context.NegotiatedHttpVersion.Major >= 2 ? stream : new SingleDeliveryStream(stream);
            };
        }

        return handler;
    }

    /// <summary>
    /// Makes a named client's primary handler a single-delivery <see cref="SocketsHttpHandler"/> made by
    /// <paramref name="create"/>. It is set first, so a primary handler the application configures for the client
    /// (before or after) replaces it.
    /// </summary>
    internal static void UseSingleDeliveryByDefault(Microsoft.Extensions.Http.HttpClientFactoryOptions options, Func<SocketsHttpHandler> create) =>
        options.HttpMessageHandlerBuilderActions.Insert(0, builder => builder.PrimaryHandler = create().UseSingleDelivery());

    private static Stream Wrap(SocketsHttpPlaintextStreamFilterContext context) =>
        context.NegotiatedHttpVersion.Major >= 2 ? context.PlaintextStream : new SingleDeliveryStream(context.PlaintextStream);
}
