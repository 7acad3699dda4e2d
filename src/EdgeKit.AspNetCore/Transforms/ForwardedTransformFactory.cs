using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>This route's RFC 7239 <c>Forwarded</c> header, replacing the gateway-wide one. Key <see cref="TransformKeys.Forwarded"/>.</summary>
internal sealed class ForwardedTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.Forwarded;

    public IReadOnlyList<string> Settings { get; } = [TransformKeys.Action, ForFormat, ByFormat];

    public void Build(TransformFactoryContext context)
    {
        context.AddRequestTransform(context.Reader.Forwarded(context.Build.Defaults.Forwarded));
    }
}
