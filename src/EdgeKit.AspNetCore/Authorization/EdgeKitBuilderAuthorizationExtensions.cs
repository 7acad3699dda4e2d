using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>EdgeKit's named authorization policies and problem+json 401/403 responses.</summary>
public static class EdgeKitBuilderAuthorizationExtensions
{
    /// <summary>
    /// Adds ASP.NET authorization with EdgeKit's policies bound from <paramref name="section"/> (for example
    /// <c>EdgeKit:Authorization</c>, holding <c>Policies:&lt;name&gt;</c> and <c>DefaultAuthenticationSchemes</c>),
    /// reloaded without a restart; the scope requirement handler; and 401/403 answers with problem+json bodies.
    /// Invalid policies stop the host's start (every problem at once); an invalid reload is logged and ignored.
    /// </summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddAuthorizationPolicies(this IEdgeKitBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder.Services);
        StrictBinding.Add<EdgeKitAuthorizationOptions>(builder.Services, null, section, AspNetCoreSettingsShapes.EdgeKitAuthorizationOptions, (c, o) => c.Bind(o));
        return builder;
    }

    /// <summary>Adds ASP.NET authorization with EdgeKit's policies set in code. See <see cref="AddAuthorizationPolicies(IEdgeKitBuilder, IConfigurationSection)"/>.</summary>
    /// <param name="builder">The EdgeKit builder.</param>
    /// <param name="configure">Adds policies.</param>
    /// <returns>The EdgeKit builder.</returns>
    public static IEdgeKitBuilder AddAuthorizationPolicies(this IEdgeKitBuilder builder, Action<EdgeKitAuthorizationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder.Services);
        builder.Services.Configure(configure);
        return builder;
    }

    private static void AddCore(IServiceCollection services)
    {
        services.AddAuthorization();
        services.AddOptions<EdgeKitAuthorizationOptions>();
        services.TryAddSingleton<EdgeKitPolicyTable>();
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationPolicyProvider, EdgeKitAuthorizationPolicyProvider>());
        UseProblemDetailsResults(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ScopeAuthorizationHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuthorizationStartupCheck>());
    }

    /// <summary>
    /// Makes authorization's 401 and 403 carry a problem+json body: replaces ASP.NET's default result handler (whether
    /// <c>AddAuthorization()</c> ran before or runs after), but not one the application registered itself.
    /// </summary>
    internal static void UseProblemDetailsResults(IServiceCollection services)
    {
        for (int i = services.Count - 1; i >= 0; i--)
        {
            var existing = services[i];
            if (existing.ServiceType == typeof(Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler))
            {
                if (existing.ImplementationType == typeof(Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler))
                {
                    services[i] = ServiceDescriptor.Singleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemDetailsAuthorizationResultHandler>();
                }

                return;
            }
        }

        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemDetailsAuthorizationResultHandler>();
    }
}
