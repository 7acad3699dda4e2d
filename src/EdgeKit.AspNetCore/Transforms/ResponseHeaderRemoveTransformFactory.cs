using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Removes a response header. Key <see cref="TransformKeys.ResponseHeaderRemove"/>.</summary>
internal sealed class ResponseHeaderRemoveTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.ResponseHeaderRemove;

    public IReadOnlyList<string> Settings { get; } = [When];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        context.AddResponseTransform(new ResponseHeaderTransform(reader.HeaderName(forRequest: false), null, HeaderAction.Remove, reader.When()));
    }
}
