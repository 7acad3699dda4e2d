using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Removes a leading prefix made of whole segments (compared case-insensitively): <c>/api/orders</c> without
/// <c>/api</c> becomes <c>/orders</c>; <c>/apiary</c> is left alone.
/// </summary>
internal sealed class PathRemovePrefixTransform(PathString prefix) : RequestTransform
{
    public PathString Prefix { get; } = prefix;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.Path.StartsWithSegments(Prefix, out var remainder))
        {
            context.Path = remainder;
        }

        return default;
    }
}
