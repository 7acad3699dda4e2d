namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Turns one kind of entry of a route's <c>Transforms</c> into request or response transforms: the built-in transforms
/// (<see cref="TransformKeys"/>) are factories, and a factory of your own, registered with
/// <c>IEdgeKitBuilder.AddTransformFactory</c>, adds a configuration key the same way. An entry is read by the factory
/// whose <see cref="Key"/> it holds; an entry no factory knows fails the start (or the reload) naming its path.
/// </summary>
/// <remarks>
/// Factories are singletons, called each time the routes are built (at start and on every configuration reload), off
/// the request path. The transforms they add are shared by every request of the route, so they must be thread-safe.
/// </remarks>
public interface ITransformFactory
{
    /// <summary>
    /// The key naming the transform in an entry (e.g. <c>PathPrefix</c>); compared case-insensitively. Two factories
    /// with the same key, or a key that is another factory's setting, are an error when the gateway starts.
    /// </summary>
    string Key { get; }

    /// <summary>The other keys an entry of this transform may hold; any other key is reported with the entry's path before <see cref="Build"/> is called.</summary>
    IReadOnlyList<string> Settings { get; }

    /// <summary>
    /// Checks the entry and builds its transforms in one pass: each problem is reported with
    /// <see cref="TransformFactoryContext.AddError"/>, each transform added with
    /// <see cref="TransformFactoryContext.AddRequestTransform"/> or <see cref="TransformFactoryContext.AddResponseTransform"/>.
    /// When problems were reported the transforms are never used. An exception thrown here is reported as a problem of the entry.
    /// </summary>
    /// <param name="context">The entry, the route, and where problems and transforms go.</param>
    void Build(TransformFactoryContext context);
}
