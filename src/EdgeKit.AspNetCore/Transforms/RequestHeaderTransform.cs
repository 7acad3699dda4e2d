using System.Net.Http.Headers;
using EdgeKit.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Sets, appends or removes a header of the request sent to the backend (content headers included).</summary>
internal sealed class RequestHeaderTransform : RequestTransform
{
    private readonly bool _isContentHeader;
    private readonly bool _isHost;

    public RequestHeaderTransform(string name, string? value, HeaderAction action)
    {
        Name = name;
        Value = value;
        Action = action;
        _isContentHeader = HeaderRules.IsContentHeader(name);
        _isHost = name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase);
    }

    public string Name { get; }

    public string? Value { get; }

    public HeaderAction Action { get; }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var request = context.ProxyRequest;
        if (_isHost)
        {
            request.Headers.Host = Action == HeaderAction.Remove ? null
                : Action == HeaderAction.Set || request.Headers.Host is null ? Value : request.Headers.Host;
            return default;
        }

        HttpHeaders? headers = _isContentHeader ? request.Content?.Headers : request.Headers;
        if (headers is null)
        {
            return default;
        }

        if (Action != HeaderAction.Append)
        {
            headers.Remove(Name);
        }

        if (Action != HeaderAction.Remove)
        {
            headers.TryAddWithoutValidation(Name, Value);
        }

        return default;
    }
}
