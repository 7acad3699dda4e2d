namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Changes the request sent to the backend: path, query, method or headers. Runs after the client's headers were copied.</summary>
public abstract class RequestTransform
{
    /// <summary>Applies the transform.</summary>
    /// <param name="context">The request being forwarded.</param>
    /// <returns>A task that completes when the transform is applied.</returns>
    public abstract ValueTask ApplyAsync(RequestTransformContext context);
}
