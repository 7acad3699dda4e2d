using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Named identity-forwarding settings, for routes to refer to by name.</summary>
public static class EdgeKitBuilderIdentityForwardingExtensions
{
    /// <summary>
    /// Adds identity-forwarding settings named <paramref name="name"/>, bound from <paramref name="section"/> (holding
    /// <c>Headers</c>, <c>StripHeaders</c>, <c>Token</c>) and reloaded with it; get the forwarder from
    /// <see cref="IdentityForwarderProvider.Get"/>. Validated when the host starts.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The settings' name.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddIdentityForwarding(this IEdgeKitBuilder builder, string name, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder, name);
        StrictBinding.Add<IdentityForwardingOptions>(builder.Services, name, section, AspNetCoreSettingsShapes.IdentityForwardingOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>Adds identity-forwarding settings named <paramref name="name"/>, set in code.</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="name">The settings' name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddIdentityForwarding(this IEdgeKitBuilder builder, string name, Action<IdentityForwardingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder, name).Configure(configure);
        return builder;
    }

    private static OptionsBuilder<IdentityForwardingOptions> AddCore(IEdgeKitBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        builder.Services.TryAddSingleton<IdentityForwarderProvider>();
        return builder.Services.AddOptions<IdentityForwardingOptions>(name)
            .Validate(o => IdentityForwarder.Validate(o).Count == 0, $"The identity forwarding settings '{name}' are invalid; see IdentityForwarder.Validate.")
            .ValidateOnStart();
    }
}
