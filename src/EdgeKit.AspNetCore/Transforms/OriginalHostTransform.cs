namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sends the client's <c>Host</c> to the backend instead of the destination's (the default).</summary>
internal sealed class OriginalHostTransform : RequestTransform
{
    public static OriginalHostTransform Instance { get; } = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var host = context.HttpContext.Request.Host;
        if (host.HasValue)
        {
            context.ProxyRequest.Headers.Host = host.Value;
        }

        return default;
    }
}
