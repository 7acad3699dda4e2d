using EdgeKit.AspNetCore.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Changes properties of a JSON response body. Only responses with a JSON media type and no <c>Content-Encoding</c>
/// are buffered, and only up to the bound: a longer body, or one that is not JSON, answers 502 problem+json.
/// </summary>
internal sealed class JsonBodyResponseTransform(IReadOnlyList<JsonBodyOperation> operations, long maxBytes, string routeId, ILogger logger) : ResponseTransform
{
    public IReadOnlyList<JsonBodyOperation> Operations { get; } = operations;

    public long MaxBytes { get; } = maxBytes;

    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var content = context.ProxyResponse.Content;
        var headers = content.Headers;
        if (!JsonBody.IsJson(headers.ContentType?.MediaType) || headers.ContentEncoding.Count > 0 || headers.ContentLength == 0)
        {
            return;
        }

        byte[]? body = null;
        if (!(headers.ContentLength > MaxBytes))
        {
            var stream = await content.ReadAsStreamAsync(context.CancellationToken).ConfigureAwait(false);
            body = await JsonBody.ReadAsync(stream, MaxBytes, context.CancellationToken).ConfigureAwait(false);
        }

        if (body is null)
        {
            TransformLog.ResponseJsonTooLarge(logger, routeId, MaxBytes);
            await GatewayProblem.WriteAsync(context.HttpContext, StatusCodes.Status502BadGateway, GatewayProblem.BadGateway,
                "Bad gateway", "The service's response is larger than the gateway can transform.").ConfigureAwait(false);
            return;
        }

        if (JsonBody.Transform(body, Operations) is not { } transformed)
        {
            TransformLog.ResponseJsonInvalid(logger, routeId);
            await GatewayProblem.WriteAsync(context.HttpContext, StatusCodes.Status502BadGateway, GatewayProblem.BadGateway,
                "Bad gateway", "The service's response is not valid JSON.").ConfigureAwait(false);
            return;
        }

        var replacement = new ByteArrayContent(transformed);
        context.ProxyResponse.Content = replacement;
        context.HttpContext.Response.ContentLength = transformed.Length;
        content.Dispose();
    }
}
