namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sends the client's <c>Host</c> instead of the destination's. Key <see cref="TransformKeys.RequestHeaderOriginalHost"/>.</summary>
internal sealed class RequestHeaderOriginalHostTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.RequestHeaderOriginalHost;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        if (reader.Boolean(reader.Value, context.Key))
        {
            context.AddRequestTransform(OriginalHostTransform.Instance);
        }
    }
}
