using EdgeKit.AspNetCore.Configuration;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>The gateway-wide forwarded-header settings, parsed once per configuration.</summary>
internal sealed class ForwardedHeaderSettings
{
    public ForwardedHeaderSettings(GatewayForwardedHeadersOptions options, TrustedProxies proxies)
    {
        Options = options;
        Proxies = proxies;
    }

    public GatewayForwardedHeadersOptions Options { get; }

    public TrustedProxies Proxies { get; }

    /// <summary>Validates <paramref name="options"/> (every problem into <paramref name="errors"/>) and parses the known proxies.</summary>
    public static ForwardedHeaderSettings Parse(GatewayForwardedHeadersOptions? options, List<string> errors)
    {
        const string path = "EdgeKit:ForwardedHeaders";
        if (options is null)
        {
            errors.Add($"{path} is null.");
            return new ForwardedHeaderSettings(new GatewayForwardedHeadersOptions(), TrustedProxies.None);
        }

        if (!Enum.IsDefined(options.XForwarded))
        {
            errors.Add($"{path}: XForwarded '{options.XForwarded}' is unknown; use Append, Set, Off or Remove.");
        }

        if (!Enum.IsDefined(options.Forwarded))
        {
            errors.Add($"{path}: Forwarded '{options.Forwarded}' is unknown; use Append, Set, Off or Remove.");
        }

        if (!Enum.IsDefined(options.ForwardedFor) || options.ForwardedFor == ForwardedNodeFormat.None)
        {
            errors.Add($"{path}: ForwardedFor '{options.ForwardedFor}' must be Ip, IpAndPort, Random, RandomAndPort or Unknown.");
        }

        if (!Enum.IsDefined(options.ForwardedBy))
        {
            errors.Add($"{path}: ForwardedBy '{options.ForwardedBy}' must be None, Ip, IpAndPort, Random, RandomAndPort or Unknown.");
        }

        if (string.IsNullOrEmpty(options.XForwardedPrefix) || !HeaderSyntax.IsToken(options.XForwardedPrefix))
        {
            errors.Add($"{path}: XForwardedPrefix '{options.XForwardedPrefix}' must be a header name prefix such as 'X-Forwarded-'.");
        }

        var proxies = TrustedProxies.Parse(options.KnownProxies, path + ":KnownProxies", errors);
        return new ForwardedHeaderSettings(options, proxies);
    }
}
