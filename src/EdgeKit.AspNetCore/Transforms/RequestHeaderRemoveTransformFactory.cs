namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Removes a request header. Key <see cref="TransformKeys.RequestHeaderRemove"/>.</summary>
internal sealed class RequestHeaderRemoveTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.RequestHeaderRemove;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        context.AddRequestTransform(new RequestHeaderTransform(context.Reader.HeaderName(forRequest: true), null, HeaderAction.Remove));
    }
}
