namespace EdgeKit.AspNetCore.Transforms;

/// <summary>The transforms of one route, built once per configuration and shared by its requests.</summary>
public sealed class RouteTransforms
{
    /// <summary>No transforms: headers copied, the client's path and query forwarded.</summary>
    public static RouteTransforms Empty { get; } = new([], []);

    /// <summary>Creates a set of transforms.</summary>
    /// <param name="requestTransforms">Applied in order to each request.</param>
    /// <param name="responseTransforms">Applied in order to each response.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public RouteTransforms(IReadOnlyList<RequestTransform> requestTransforms, IReadOnlyList<ResponseTransform> responseTransforms)
    {
        ArgumentNullException.ThrowIfNull(requestTransforms);
        ArgumentNullException.ThrowIfNull(responseTransforms);
        RequestTransformArray = requestTransforms.ToArray();
        ResponseTransformArray = responseTransforms.ToArray();
    }

    /// <summary>Applied in order to each request.</summary>
    public IReadOnlyList<RequestTransform> RequestTransforms => RequestTransformArray;

    /// <summary>Applied in order to each response.</summary>
    public IReadOnlyList<ResponseTransform> ResponseTransforms => ResponseTransformArray;

    // Arrays for the request path: a for loop over them allocates no enumerator.
    internal RequestTransform[] RequestTransformArray { get; }

    internal ResponseTransform[] ResponseTransformArray { get; }
}
