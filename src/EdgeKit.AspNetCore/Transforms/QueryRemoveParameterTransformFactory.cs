namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Removes a query parameter. Key <see cref="TransformKeys.QueryRemoveParameter"/>.</summary>
internal sealed class QueryRemoveParameterTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.QueryRemoveParameter;

    public IReadOnlyList<string> Settings { get; } = [];

    public void Build(TransformFactoryContext context)
    {
        context.AddRequestTransform(new QueryParameterTransform(context.Reader.Name("a query parameter name", token: false), null, QueryParameterAction.Remove));
    }
}
