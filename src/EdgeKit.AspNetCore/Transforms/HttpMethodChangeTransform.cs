namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sends requests that arrived with one method with another (e.g. <c>PUT</c> as <c>POST</c>).</summary>
internal sealed class HttpMethodChangeTransform(string from, string to) : RequestTransform
{
    private readonly HttpMethod _to = HttpMethod.Parse(to);

    public string From { get; } = from;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (string.Equals(context.HttpContext.Request.Method, From, StringComparison.OrdinalIgnoreCase))
        {
            context.ProxyRequest.Method = _to;
        }

        return default;
    }
}
