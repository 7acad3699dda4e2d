using EdgeKit.AspNetCore.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Protocols;

/// <summary>
/// Translates gRPC-Web (from browsers) to gRPC for the backend and back, on routes with
/// <see cref="Configuration.GatewayRouteOptions.GrpcWeb"/>. The request's content type becomes <c>application/grpc</c> (with its
/// format suffix), <c>TE: trailers</c> is added, and a <c>-text</c> body is base64-decoded as it streams; the forwarder
/// then sends it over the cluster's HTTP/2 connection like any gRPC call. On the way back the content type becomes
/// gRPC-Web's again, the backend's trailers (<c>grpc-status</c>, <c>grpc-message</c>, custom metadata) are written at
/// the end of the body as a trailer frame, and a <c>-text</c> answer is base64-encoded. Requests that are not gRPC-Web
/// (plain gRPC from HTTP/2 clients, anything else) pass through unchanged.
/// </summary>
internal static class GrpcWebTranslator
{
    public static Task ForwardAsync(HttpContext context, GatewayRoute route, ForwarderSettings settings, HttpForwarder forwarder)
    {
        var mode = GrpcWebProtocol.GetMode(context.Request.ContentType);
        return mode == GrpcWebMode.None
            ? forwarder.ForwardAsync(context, route, settings)
            : TranslateAsync(context, route, settings, forwarder, mode);
    }

    private static async Task TranslateAsync(HttpContext context, GatewayRoute route, ForwarderSettings settings, HttpForwarder forwarder, GrpcWebMode mode)
    {
        var request = context.Request;
        var response = context.Response;
        var logger = forwarder.Logger;
        GatewayLog.GrpcWebTranslated(logger, route.Id, request.ContentType!);
        request.ContentType = GrpcWebProtocol.ToGrpc(request.ContentType!, mode);
        request.Headers.TE = "trailers";

        var features = context.Features;
        var originalBody = request.Body;
        var originalResponseBody = features.Get<IHttpResponseBodyFeature>()!;
        var originalTrailers = features.Get<IHttpResponseTrailersFeature>();
        var state = new ResponseState(mode, response);
        Base64DecodingStream? decoder = null;
        Base64EncodingStream? encoder = null;
        if (mode == GrpcWebMode.Text)
        {
            decoder = new Base64DecodingStream(originalBody);
            request.Body = decoder;
            // The decoded body is shorter; HTTP/2 frames it without a length.
            request.ContentLength = null;
            encoder = new Base64EncodingStream(originalResponseBody.Stream, state.DecideEncoding);
            features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(encoder, originalResponseBody));
        }

        // The forwarder copies the backend's trailers here (gRPC-Web clients cannot receive HTTP trailers).
        var trailers = new CollectedTrailers();
        features.Set<IHttpResponseTrailersFeature>(trailers);
        response.OnStarting(static s => ((ResponseState)s).TranslateHeaders(), state);
        try
        {
            await forwarder.ForwardAsync(context, route, settings).ConfigureAwait(false);
            if (!response.HasStarted)
            {
                await state.TranslateHeaders().ConfigureAwait(false);
            }

            if (state.Translated && !context.RequestAborted.IsCancellationRequested)
            {
                await FinishAsync(context, route, logger, trailers, encoder).ConfigureAwait(false);
            }
        }
        finally
        {
            request.Body = originalBody;
            features.Set(originalResponseBody);
            features.Set(originalTrailers);
            decoder?.Dispose();
        }
    }

    private static async Task FinishAsync(HttpContext context, GatewayRoute route, ILogger logger, CollectedTrailers trailers, Base64EncodingStream? encoder)
    {
        try
        {
            var body = encoder ?? context.Response.Body;
            if (trailers.Trailers.Count > 0)
            {
                // No trailers means a trailers-only answer: grpc-status came in the headers, already sent.
                await body.WriteAsync(GrpcWebProtocol.CreateTrailerFrame(trailers.Trailers), context.RequestAborted).ConfigureAwait(false);
            }

            await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            GatewayLog.GrpcWebTrailersFailed(logger, route.Id, ex);
            context.Abort();
        }
    }

    /// <summary>Turns the backend's gRPC content type into gRPC-Web's when the response starts.</summary>
    private sealed class ResponseState(GrpcWebMode mode, HttpResponse response)
    {
        public bool Translated { get; private set; }

        /// <summary>Whether the body is to be base64-encoded: asked before the first byte of it is written.</summary>
        public bool DecideEncoding()
        {
            _ = TranslateHeaders();
            return Translated;
        }

        public Task TranslateHeaders()
        {
            if (Translated)
            {
                return Task.CompletedTask;
            }

            if (GrpcWebProtocol.ToGrpcWeb(response.ContentType, mode) is { } contentType)
            {
                response.ContentType = contentType;
                // The body grows by the trailer frame (and by base64 in text mode): a backend's length no longer holds.
                response.ContentLength = null;

                Translated = true;
            }

            return Task.CompletedTask;
        }
    }

    private sealed class CollectedTrailers : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }
}
