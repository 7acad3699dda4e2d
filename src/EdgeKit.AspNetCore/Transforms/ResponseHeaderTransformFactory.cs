using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sets or appends a response header. Key <see cref="TransformKeys.ResponseHeader"/>.</summary>
internal sealed class ResponseHeaderTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.ResponseHeader;

    public IReadOnlyList<string> Settings { get; } = [Set, Append, When];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        string name = reader.HeaderName(forRequest: false);
        var (value, append) = reader.SetOrAppend(name);
        context.AddResponseTransform(new ResponseHeaderTransform(name, value, append ? HeaderAction.Append : HeaderAction.Set, reader.When()));
    }
}
