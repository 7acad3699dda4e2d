namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Changes the response sent to the client, after the backend's headers were copied and before the body is.</summary>
public abstract class ResponseTransform
{
    /// <summary>Applies the transform.</summary>
    /// <param name="context">The response being returned.</param>
    /// <returns>A task that completes when the transform is applied.</returns>
    public abstract ValueTask ApplyAsync(ResponseTransformContext context);
}
