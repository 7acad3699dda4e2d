namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Puts a prefix before the path. Key <see cref="TransformKeys.PathPrefix"/>.</summary>
internal sealed class PathPrefixTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.PathPrefix;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        context.AddRequestTransform(new PathPrefixTransform(context.Reader.PathValue()));
    }
}
