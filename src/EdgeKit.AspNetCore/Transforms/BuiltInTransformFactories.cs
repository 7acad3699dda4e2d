using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>The built-in transforms' factories, in the order their keys are listed in messages.</summary>
internal static class BuiltInTransformFactories
{
    /// <summary>A new instance of each (for a builder made without DI, e.g. by the configuration importers).</summary>
    public static ITransformFactory[] Create() =>
    [
        new PathPrefixTransformFactory(),
        new PathRemovePrefixTransformFactory(),
        new PathSetTransformFactory(),
        new PathPatternTransformFactory(),
        new QueryParameterTransformFactory(),
        new QueryRemoveParameterTransformFactory(),
        new HttpMethodChangeTransformFactory(),
        new RequestHeaderTransformFactory(),
        new RequestHeaderRemoveTransformFactory(),
        new RequestHeaderOriginalHostTransformFactory(),
        new ResponseHeaderTransformFactory(),
        new ResponseHeaderRemoveTransformFactory(),
        new XForwardedTransformFactory(),
        new ForwardedTransformFactory(),
        new RequestBodyJsonTransformFactory(),
        new ResponseBodyJsonTransformFactory(),
    ];

    /// <summary>Registers each, once, before any registered later (so that messages list the built-in keys first).</summary>
    public static void Register(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, PathPrefixTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, PathRemovePrefixTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, PathSetTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, PathPatternTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, QueryParameterTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, QueryRemoveParameterTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, HttpMethodChangeTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, RequestHeaderTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, RequestHeaderRemoveTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, RequestHeaderOriginalHostTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, ResponseHeaderTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, ResponseHeaderRemoveTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, XForwardedTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, ForwardedTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, RequestBodyJsonTransformFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformFactory, ResponseBodyJsonTransformFactory>());
    }
}
