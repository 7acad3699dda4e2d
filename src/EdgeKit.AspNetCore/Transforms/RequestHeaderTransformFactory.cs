using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sets or appends a request header. Key <see cref="TransformKeys.RequestHeader"/>.</summary>
internal sealed class RequestHeaderTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.RequestHeader;

    public IReadOnlyList<string> Settings { get; } = [Set, Append];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        string name = reader.HeaderName(forRequest: true);
        var (value, append) = reader.SetOrAppend(name);
        context.AddRequestTransform(new RequestHeaderTransform(name, value, append ? HeaderAction.Append : HeaderAction.Set));
    }
}
