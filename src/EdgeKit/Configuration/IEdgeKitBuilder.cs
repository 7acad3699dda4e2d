using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Configuration;

/// <summary>Returned by <c>AddEdgeKit()</c>; every EdgeKit feature hangs off it as an extension method.</summary>
public interface IEdgeKitBuilder
{
    /// <summary>The service collection EdgeKit registers into.</summary>
    IServiceCollection Services { get; }
}

internal sealed class EdgeKitBuilder(IServiceCollection services) : IEdgeKitBuilder
{
    public IServiceCollection Services { get; } = services;
}
