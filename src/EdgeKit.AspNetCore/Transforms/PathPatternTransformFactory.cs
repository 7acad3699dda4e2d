namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Builds the path from a route template filled with the route's values. Key <see cref="TransformKeys.PathPattern"/>.</summary>
internal sealed class PathPatternTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.PathPattern;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        if (context.Reader.Pattern(context.Route.Match?.Path) is { } pattern)
        {
            context.AddRequestTransform(new PathPatternTransform(pattern));
        }
    }
}
