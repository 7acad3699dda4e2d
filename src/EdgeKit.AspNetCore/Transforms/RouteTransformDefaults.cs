using EdgeKit.AspNetCore.Configuration;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What every route gets unless it says otherwise: parsed once per configuration from <see cref="GatewayOptions"/>.</summary>
internal sealed class RouteTransformDefaults
{
    public static RouteTransformDefaults None { get; } = new(new ForwardedHeaderSettings(new GatewayForwardedHeadersOptions { XForwarded = ForwardedHeaderAction.Off }, TrustedProxies.None), removeServerHeaders: false);

    public RouteTransformDefaults(ForwardedHeaderSettings forwarded, bool removeServerHeaders)
    {
        Forwarded = forwarded;
        RemoveServerHeaders = removeServerHeaders;
    }

    public ForwardedHeaderSettings Forwarded { get; }

    public bool RemoveServerHeaders { get; }

    /// <summary>Validates the gateway-wide settings (every problem into <paramref name="errors"/>).</summary>
    public static RouteTransformDefaults Parse(GatewayOptions options, List<string> errors) =>
        new(ForwardedHeaderSettings.Parse(options.ForwardedHeaders, errors), options.Forwarder?.RemoveServerHeaders ?? true);
}
