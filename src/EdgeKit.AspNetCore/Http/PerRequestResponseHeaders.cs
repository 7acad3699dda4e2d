using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Http;

/// <summary>
/// The response header values that the gateway added inside a cached endpoint for this one request or client (the
/// session-affinity cookie or header, a header a response transform marked per-request). The cache middleware puts
/// one in <c>HttpContext.Features</c> while the endpoint runs; whatever is marked here is sent to the client but never
/// stored. Headers added by middleware outside the endpoint (rate limiting, CORS, trace context) need no mark: the cache
/// knows them as the ones present before the endpoint ran.
/// </summary>
internal sealed class PerRequestResponseHeaders
{
    private List<(string Name, string? Value)>? _marks;

    /// <summary>Marks every value of the field <paramref name="name"/>.</summary>
    public void Mark(string name) => (_marks ??= []).Add((name, null));

    /// <summary>Marks one value of the field <paramref name="name"/> (e.g. one of several <c>Set-Cookie</c> lines).</summary>
    public void MarkValue(string name, string value) => (_marks ??= []).Add((name, value));

    /// <summary>Marks the field <paramref name="name"/> in the request's marks, when the request is being cached.</summary>
    public static void Mark(HttpContext context, string name) => context.Features.Get<PerRequestResponseHeaders>()?.Mark(name);

    /// <summary>Whether the value <paramref name="value"/> of the field <paramref name="name"/> was marked.</summary>
    public bool IsMarked(string name, string? value)
    {
        if (_marks is null)
        {
            return false;
        }

        foreach (var (markedName, markedValue) in _marks)
        {
            if (markedName.Equals(name, StringComparison.OrdinalIgnoreCase) && (markedValue is null || string.Equals(markedValue, value, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
