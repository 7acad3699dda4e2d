using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Routing.Patterns;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Builds the path from a pattern filled with the route's values: with <c>Match:Path</c> <c>/api/{**rest}</c> and
/// pattern <c>/v2/{rest}</c>, <c>/api/a/b</c> becomes <c>/v2/a/b</c>. A segment made only of a parameter that has no
/// value is left out. Values are inserted decoded, as routing captured them; the forwarder escapes the path once.
/// </summary>
internal sealed class PathPatternTransform : RequestTransform
{
    private readonly RoutePatternPart[][] _segments;

    public PathPatternTransform(RoutePattern pattern)
    {
        Pattern = pattern;
        _segments = pattern.PathSegments.Select(s => s.Parts.ToArray()).ToArray();
    }

    public RoutePattern Pattern { get; }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var values = context.HttpContext.Request.RouteValues;
        var handler = new DefaultInterpolatedStringHandler(0, 0, null, stackalloc char[256]);
        bool any = false;
        foreach (var parts in _segments)
        {
            if (parts.Length == 1 && parts[0] is RoutePatternParameterPart only
                && (values.TryGetValue(only.Name, out var single) ? Convert.ToString(single, System.Globalization.CultureInfo.InvariantCulture) : null) is not { Length: > 0 })
            {
                continue;
            }

            handler.AppendLiteral("/");
            any = true;
            foreach (var part in parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        handler.AppendFormatted(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        handler.AppendFormatted(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter when values.TryGetValue(parameter.Name, out var value) && value is not null:
                        handler.AppendFormatted(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                }
            }
        }

        if (!any)
        {
            handler.AppendLiteral("/");
        }

        context.Path = new Microsoft.AspNetCore.Http.PathString(handler.ToStringAndClear());
        return default;
    }
}
