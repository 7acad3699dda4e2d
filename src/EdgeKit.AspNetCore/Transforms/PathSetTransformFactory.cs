using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Replaces the path. Key <see cref="TransformKeys.PathSet"/>.</summary>
internal sealed class PathSetTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.PathSet;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        context.AddRequestTransform(new PathSetTransform(context.Reader.PathValue()));
    }
}
