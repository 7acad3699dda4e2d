using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sets or appends a query parameter. Key <see cref="TransformKeys.QueryParameter"/>.</summary>
internal sealed class QueryParameterTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.QueryParameter;

    public IReadOnlyList<string> Settings { get; } = [Set, Append];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        string name = reader.Name("a query parameter name", token: false);
        var (value, append) = reader.SetOrAppend(name);
        context.AddRequestTransform(new QueryParameterTransform(name, value, append ? QueryParameterAction.Append : QueryParameterAction.Set));
    }
}
