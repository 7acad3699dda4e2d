using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Replaces the whole path.</summary>
internal sealed class PathSetTransform(PathString path) : RequestTransform
{
    public PathString Path { get; } = path;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        context.Path = Path;
        return default;
    }
}
