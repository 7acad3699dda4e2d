using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sets, appends or removes a header of the response sent to the client.</summary>
internal sealed class ResponseHeaderTransform(string name, string? value, HeaderAction action, ResponseCondition when) : ResponseTransform
{
    public string Name { get; } = name;

    public string? Value { get; } = value;

    public HeaderAction Action { get; } = action;

    public ResponseCondition When { get; } = when;

    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var response = context.HttpContext.Response;
        bool applies = When switch
        {
            ResponseCondition.Success => response.StatusCode < 400,
            ResponseCondition.Failure => response.StatusCode >= 400,
            _ => true,
        };
        if (!applies)
        {
            return default;
        }

        var headers = response.Headers;
        switch (Action)
        {
            case HeaderAction.Set:
                headers[Name] = Value;
                break;
            case HeaderAction.Append:
                headers.Append(Name, Value);
                break;
            default:
                headers.Remove(Name);
                break;
        }

        return default;
    }
}
