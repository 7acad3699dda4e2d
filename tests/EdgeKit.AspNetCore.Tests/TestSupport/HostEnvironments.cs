using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

/// <summary>Runs a test host in another environment than the builder's default (<c>Production</c>).</summary>
internal static class HostEnvironments
{
    /// <summary>
    /// Makes <see cref="IHostEnvironment"/> report <paramref name="name"/>: the builder's environment is fixed when it is
    /// created (from <c>DOTNET_ENVIRONMENT</c>, process-wide), so the service is replaced instead.
    /// </summary>
    public static void Use(WebApplicationBuilder builder, string name) =>
        builder.Services.AddSingleton<IHostEnvironment>(new HostingEnvironment
        {
            EnvironmentName = name,
            ApplicationName = builder.Environment.ApplicationName,
            ContentRootPath = builder.Environment.ContentRootPath,
            ContentRootFileProvider = builder.Environment.ContentRootFileProvider,
        });
}
