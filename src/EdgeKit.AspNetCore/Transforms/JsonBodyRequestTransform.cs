using System.Net.Http.Headers;
using EdgeKit.AspNetCore.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Changes properties of a JSON request body. Only requests with a JSON media type and no <c>Content-Encoding</c> are
/// buffered (others stream as usual), and only up to the bound: a longer body answers 413, a body that is not JSON 400, both problem+json and
/// neither reaching the backend.
/// </summary>
internal sealed class JsonBodyRequestTransform(IReadOnlyList<JsonBodyOperation> operations, long maxBytes, string routeId, ILogger logger) : RequestTransform
{
    public IReadOnlyList<JsonBodyOperation> Operations { get; } = operations;

    public long MaxBytes { get; } = maxBytes;

    public override async ValueTask ApplyAsync(RequestTransformContext context)
    {
        var request = context.HttpContext.Request;
        var original = context.ProxyRequest.Content;
        if (original is null || !JsonBody.IsJson(request.ContentType) || request.ContentLength == 0 || request.Headers.ContentEncoding.Count > 0)
        {
            return;
        }

        if (request.ContentLength > MaxBytes)
        {
            await TooLargeAsync(context.HttpContext).ConfigureAwait(false);
            return;
        }

        byte[]? body;
        try
        {
            body = await JsonBody.ReadAsync(request.Body, MaxBytes, context.CancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLargeAsync(context.HttpContext).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            TransformLog.RequestJsonInvalid(logger, routeId);
            await GatewayProblem.WriteAsync(context.HttpContext, StatusCodes.Status400BadRequest, GatewayProblem.BadRequestBody,
                "Bad request body", "The request body could not be read.").ConfigureAwait(false);
            return;
        }

        if (body is null)
        {
            await TooLargeAsync(context.HttpContext).ConfigureAwait(false);
            return;
        }

        if (JsonBody.Transform(body, Operations) is not { } transformed)
        {
            TransformLog.RequestJsonInvalid(logger, routeId);
            await GatewayProblem.WriteAsync(context.HttpContext, StatusCodes.Status400BadRequest, GatewayProblem.BadRequestBody,
                "Bad request body", "The request body is not valid JSON.").ConfigureAwait(false);
            return;
        }

        var content = new ByteArrayContent(transformed);
        foreach (var header in original.Headers.NonValidated)
        {
            if (!header.Key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var value in header.Value)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, value);
                }
            }
        }

        content.Headers.ContentLength = transformed.Length;
        context.ProxyRequest.Content = content;
        original.Dispose();
    }

    private Task TooLargeAsync(HttpContext context)
    {
        TransformLog.RequestJsonTooLarge(logger, routeId, MaxBytes);
        return GatewayProblem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, GatewayProblem.RequestBodyTooLarge,
            "Request body too large", $"A JSON request body on this route may be at most {MaxBytes} bytes.");
    }
}
