using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Changes the request's method. Key <see cref="TransformKeys.HttpMethodChange"/>.</summary>
internal sealed class HttpMethodChangeTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.HttpMethodChange;

    public IReadOnlyList<string> Settings { get; } = [Set];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        string from = reader.Method(reader.Value, context.Key);
        string? to = reader.Get(Set);
        if (to is null)
        {
            context.AddError("HttpMethodChange needs Set (the method sent instead), e.g. 'POST'.");
        }
        else
        {
            to = reader.Method(to, Set);
        }

        if (!context.HasErrors)
        {
            context.AddRequestTransform(new HttpMethodChangeTransform(from, to!));
        }
    }
}
