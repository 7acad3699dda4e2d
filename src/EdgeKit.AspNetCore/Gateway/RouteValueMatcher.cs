using EdgeKit.AspNetCore.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>Header and query conditions of a route, checked by <see cref="GatewayMatcherPolicy"/>.</summary>
internal sealed class RouteValueMatcher
{
    private readonly (string Name, string[] Values, RouteValueMatchMode Mode, StringComparison Comparison)[] _headers;
    private readonly (string Name, string[] Values, RouteValueMatchMode Mode, StringComparison Comparison)[] _query;

    public RouteValueMatcher(RouteMatchOptions match)
    {
        _headers = match.Headers.Select(h => (h.Name!, h.Values.ToArray(), h.Mode, h.IsCaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)).ToArray();
        _query = match.QueryParameters.Select(q => (q.Name!, q.Values.ToArray(), q.Mode, q.IsCaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)).ToArray();
    }

    public bool IsEmpty => _headers.Length == 0 && _query.Length == 0;

    public bool Matches(HttpRequest request)
    {
        foreach (var (name, values, mode, comparison) in _headers)
        {
            if (!Matches(request.Headers.TryGetValue(name, out var actual) ? actual : StringValues.Empty, values, mode, comparison))
            {
                return false;
            }
        }

        foreach (var (name, values, mode, comparison) in _query)
        {
            if (!Matches(request.Query.TryGetValue(name, out var actual) ? actual : StringValues.Empty, values, mode, comparison))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Matches(StringValues actual, string[] expected, RouteValueMatchMode mode, StringComparison comparison)
    {
        switch (mode)
        {
            case RouteValueMatchMode.Exists:
                return actual.Count > 0;
            case RouteValueMatchMode.NotExists:
                return actual.Count == 0;
        }

        foreach (var value in actual)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var candidate in expected)
            {
                bool hit = mode switch
                {
                    RouteValueMatchMode.Exact => value.Equals(candidate, comparison),
                    RouteValueMatchMode.Prefix => value.StartsWith(candidate, comparison),
                    _ => value.Contains(candidate, comparison),
                };
                if (hit)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
