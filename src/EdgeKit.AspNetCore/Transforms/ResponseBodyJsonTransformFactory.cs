using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Changes a property of JSON response bodies; the entries of a route share one parse. Key <see cref="TransformKeys.ResponseBodyJson"/>.</summary>
internal sealed class ResponseBodyJsonTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.ResponseBodyJson;

    public IReadOnlyList<string> Settings { get; } = [Remove, RenameTo, Set, MaxBytes];

    public void Build(TransformFactoryContext context)
    {
        context.Reader.Json(context.Build.ResponseJson, context.Build.Responses.Count);
    }
}
