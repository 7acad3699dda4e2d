namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Removes a leading prefix of whole segments from the path. Key <see cref="TransformKeys.PathRemovePrefix"/>.</summary>
internal sealed class PathRemovePrefixTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.PathRemovePrefix;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        context.AddRequestTransform(new PathRemovePrefixTransform(context.Reader.PathValue()));
    }
}
