using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Removes the backend's <c>Server</c> and <c>X-Powered-By</c> headers (see <c>Forwarder:RemoveServerHeaders</c>).</summary>
internal sealed class ServerHeadersRemovalTransform : ResponseTransform
{
    public static ServerHeadersRemovalTransform Instance { get; } = new();

    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.Remove(HeaderNames.Server);
        headers.Remove(HeaderNames.XPoweredBy);
        return default;
    }
}
