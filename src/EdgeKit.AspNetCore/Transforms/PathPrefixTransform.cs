using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Puts a prefix before the path: <c>/orders</c> with prefix <c>/v2</c> becomes <c>/v2/orders</c>.</summary>
internal sealed class PathPrefixTransform(PathString prefix) : RequestTransform
{
    public PathString Prefix { get; } = prefix;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        context.Path = Prefix.Add(context.Path);
        return default;
    }
}
