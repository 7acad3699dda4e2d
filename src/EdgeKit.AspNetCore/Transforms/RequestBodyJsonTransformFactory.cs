using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Changes a property of JSON request bodies; the entries of a route share one parse. Key <see cref="TransformKeys.RequestBodyJson"/>.</summary>
internal sealed class RequestBodyJsonTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.RequestBodyJson;

    public IReadOnlyList<string> Settings { get; } = [Remove, RenameTo, Set, MaxBytes];

    public void Build(TransformFactoryContext context)
    {
        context.Reader.Json(context.Build.RequestJson, context.Build.Requests.Count);
    }
}
