using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>This route's <c>X-Forwarded-*</c> headers, replacing the gateway-wide ones. Key <see cref="TransformKeys.XForwarded"/>.</summary>
internal sealed class XForwardedTransformFactory : ITransformFactory
{
    public string Key => TransformKeys.XForwarded;

    public IReadOnlyList<string> Settings { get; } = [For, Proto, Host, Prefix, HeaderPrefix];

    public void Build(TransformFactoryContext context)
    {
        var reader = context.Reader;
        var forwarded = context.Build.Defaults.Forwarded;
        var all = reader.ForwardedAction(reader.Value, context.Key);
        string prefix = reader.Get(HeaderPrefix) ?? forwarded.Options.XForwardedPrefix;
        if (!HeaderSyntax.IsToken(prefix))
        {
            context.AddError($"HeaderPrefix '{prefix}' must be a header name prefix such as 'X-Forwarded-'.");
        }

        var forAction = reader.Get(For) is { } f ? reader.ForwardedAction(f, For) : all;
        var protoAction = reader.Get(Proto) is { } p ? reader.ForwardedAction(p, Proto) : all;
        var hostAction = reader.Get(Host) is { } h ? reader.ForwardedAction(h, Host) : all;
        var prefixAction = reader.Get(Prefix) is { } x ? reader.ForwardedAction(x, Prefix) : all;
        context.AddRequestTransform(new XForwardedTransform(prefix, forAction, protoAction, hostAction, prefixAction, forwarded.Proxies));
    }
}
