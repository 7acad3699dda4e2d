using EdgeKit.AspNetCore.Transforms;

namespace EdgeKit.AspNetCore.Configuration;

/// <summary>
/// Adds built-in transforms to a route from code. Each call adds one entry to <see cref="GatewayRouteOptions.Transforms"/>,
/// exactly as configuration would (see <see cref="TransformKeys"/>), so both are validated and built the same way.
/// </summary>
public static class GatewayRouteOptionsTransformExtensions
{
    /// <summary>Puts <paramref name="prefix"/> before the path (<c>/orders</c> → <c>/v2/orders</c>).</summary>
    /// <param name="route">The route.</param>
    /// <param name="prefix">The prefix, starting with <c>/</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithPathPrefix(this GatewayRouteOptions route, string prefix) => Add(route, TransformKeys.PathPrefix, prefix);

    /// <summary>Removes the leading <paramref name="prefix"/> (whole segments, any case) from the path (<c>/api/orders</c> → <c>/orders</c>).</summary>
    /// <param name="route">The route.</param>
    /// <param name="prefix">The prefix, starting with <c>/</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithPathRemovePrefix(this GatewayRouteOptions route, string prefix) => Add(route, TransformKeys.PathRemovePrefix, prefix);

    /// <summary>Replaces the path with <paramref name="path"/>.</summary>
    /// <param name="route">The route.</param>
    /// <param name="path">The path, starting with <c>/</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithPathSet(this GatewayRouteOptions route, string path) => Add(route, TransformKeys.PathSet, path);

    /// <summary>Builds the path from <paramref name="pattern"/> filled with the route's values (<c>/api/{**rest}</c> + <c>/v2/{rest}</c>).</summary>
    /// <param name="route">The route.</param>
    /// <param name="pattern">A route template using only parameters the route's <c>Match:Path</c> captures.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithPathPattern(this GatewayRouteOptions route, string pattern) => Add(route, TransformKeys.PathPattern, pattern);

    /// <summary>Sets (replacing every value) or appends a query parameter.</summary>
    /// <param name="route">The route.</param>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">The value (escaped by the gateway).</param>
    /// <param name="append">Whether to add after existing values rather than replace them. Default false.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithQueryParameter(this GatewayRouteOptions route, string name, string value, bool append = false) =>
        Add(route, TransformKeys.QueryParameter, name, append ? TransformKeys.Append : TransformKeys.Set, value);

    /// <summary>Removes every value of a query parameter.</summary>
    /// <param name="route">The route.</param>
    /// <param name="name">The parameter name.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithQueryRemoveParameter(this GatewayRouteOptions route, string name) => Add(route, TransformKeys.QueryRemoveParameter, name);

    /// <summary>Sends requests that arrived as <paramref name="from"/> as <paramref name="to"/>.</summary>
    /// <param name="route">The route.</param>
    /// <param name="from">The client's method, e.g. <c>PUT</c>.</param>
    /// <param name="to">The method sent to the backend, e.g. <c>POST</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithHttpMethodChange(this GatewayRouteOptions route, string from, string to) =>
        Add(route, TransformKeys.HttpMethodChange, from, TransformKeys.Set, to);

    /// <summary>Sets (replacing the client's) or appends a request header.</summary>
    /// <param name="route">The route.</param>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    /// <param name="append">Whether to add after the client's values rather than replace them. Default false.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithRequestHeader(this GatewayRouteOptions route, string name, string value, bool append = false) =>
        Add(route, TransformKeys.RequestHeader, name, append ? TransformKeys.Append : TransformKeys.Set, value);

    /// <summary>Removes a request header.</summary>
    /// <param name="route">The route.</param>
    /// <param name="name">The header name.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithRequestHeaderRemove(this GatewayRouteOptions route, string name) => Add(route, TransformKeys.RequestHeaderRemove, name);

    /// <summary>Sends the client's <c>Host</c> header to the backend instead of the destination's host (the default).</summary>
    /// <param name="route">The route.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="route"/> is null.</exception>
    public static GatewayRouteOptions WithOriginalHost(this GatewayRouteOptions route) => Add(route, TransformKeys.RequestHeaderOriginalHost, "true");

    /// <summary>Sets or appends a response header.</summary>
    /// <param name="route">The route.</param>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    /// <param name="append">Whether to add after the backend's values rather than replace them. Default false.</param>
    /// <param name="when"><c>Always</c> (default), <c>Success</c> (status below 400) or <c>Failure</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithResponseHeader(this GatewayRouteOptions route, string name, string value, bool append = false, string when = "Always")
    {
        Add(route, TransformKeys.ResponseHeader, name, append ? TransformKeys.Append : TransformKeys.Set, value);
        route.Transforms[^1][TransformKeys.When] = when;
        return route;
    }

    /// <summary>Removes a response header.</summary>
    /// <param name="route">The route.</param>
    /// <param name="name">The header name.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithResponseHeaderRemove(this GatewayRouteOptions route, string name) => Add(route, TransformKeys.ResponseHeaderRemove, name);

    /// <summary>Sets this route's <c>X-Forwarded-For/Proto/Host/Prefix</c> action (replacing the gateway-wide default).</summary>
    /// <param name="route">The route.</param>
    /// <param name="action">The action for all four headers.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="route"/> is null.</exception>
    public static GatewayRouteOptions WithXForwarded(this GatewayRouteOptions route, ForwardedHeaderAction action) => Add(route, TransformKeys.XForwarded, action.ToString());

    /// <summary>Sends an RFC 7239 <c>Forwarded</c> header on this route (replacing the gateway-wide default).</summary>
    /// <param name="route">The route.</param>
    /// <param name="parameters">The parameters sent, comma-separated: some of <c>for</c>, <c>by</c>, <c>proto</c>, <c>host</c>. Default all but <c>by</c>.</param>
    /// <param name="action">Append (default: kept only from known proxies), Set, Off or Remove.</param>
    /// <param name="forFormat">How the client is written. Default <see cref="ForwardedNodeFormat.Ip"/>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="route"/> is null.</exception>
    public static GatewayRouteOptions WithForwarded(this GatewayRouteOptions route, string parameters = "for,proto,host", ForwardedHeaderAction action = ForwardedHeaderAction.Append, ForwardedNodeFormat forFormat = ForwardedNodeFormat.Ip)
    {
        Add(route, TransformKeys.Forwarded, parameters, TransformKeys.Action, action.ToString());
        if (parameters.Contains("for", StringComparison.OrdinalIgnoreCase))
        {
            route.Transforms[^1][TransformKeys.ForFormat] = forFormat.ToString();
        }

        return route;
    }

    /// <summary>Removes a property from JSON request bodies (buffered up to 1 MiB; larger ones answer 413).</summary>
    /// <param name="route">The route.</param>
    /// <param name="property">The property path, e.g. <c>password</c> or <c>customer.ssn</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithRequestJsonRemove(this GatewayRouteOptions route, string property) =>
        Add(route, TransformKeys.RequestBodyJson, property, TransformKeys.Remove, "true");

    /// <summary>Renames a property of JSON request bodies (buffered up to 1 MiB; larger ones answer 413).</summary>
    /// <param name="route">The route.</param>
    /// <param name="property">The property path.</param>
    /// <param name="newName">The new name (of the last segment).</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithRequestJsonRename(this GatewayRouteOptions route, string property, string newName) =>
        Add(route, TransformKeys.RequestBodyJson, property, TransformKeys.RenameTo, newName);

    /// <summary>Sets a property of JSON request bodies to a JSON value (buffered up to 1 MiB; larger ones answer 413).</summary>
    /// <param name="route">The route.</param>
    /// <param name="property">The property path; missing parent objects are created.</param>
    /// <param name="json">The value as JSON, e.g. <c>"\"text\""</c>, <c>42</c>, <c>{"a":1}</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithRequestJsonSet(this GatewayRouteOptions route, string property, string json) =>
        Add(route, TransformKeys.RequestBodyJson, property, TransformKeys.Set, json);

    /// <summary>Removes a property from JSON response bodies (buffered up to 1 MiB; larger ones answer 502).</summary>
    /// <param name="route">The route.</param>
    /// <param name="property">The property path.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithResponseJsonRemove(this GatewayRouteOptions route, string property) =>
        Add(route, TransformKeys.ResponseBodyJson, property, TransformKeys.Remove, "true");

    /// <summary>Renames a property of JSON response bodies (buffered up to 1 MiB; larger ones answer 502).</summary>
    /// <param name="route">The route.</param>
    /// <param name="property">The property path.</param>
    /// <param name="newName">The new name (of the last segment).</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithResponseJsonRename(this GatewayRouteOptions route, string property, string newName) =>
        Add(route, TransformKeys.ResponseBodyJson, property, TransformKeys.RenameTo, newName);

    /// <summary>Sets a property of JSON response bodies to a JSON value (buffered up to 1 MiB; larger ones answer 502).</summary>
    /// <param name="route">The route.</param>
    /// <param name="property">The property path; missing parent objects are created.</param>
    /// <param name="json">The value as JSON.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithResponseJsonSet(this GatewayRouteOptions route, string property, string json) =>
        Add(route, TransformKeys.ResponseBodyJson, property, TransformKeys.Set, json);

    /// <summary>Adds a transform entry given as key/value pairs (any built-in transform, see <see cref="TransformKeys"/>).</summary>
    /// <param name="route">The route.</param>
    /// <param name="entry">The entry, e.g. <c>{ ["RequestHeader"] = "X-Tenant", ["Set"] = "a" }</c>.</param>
    /// <returns>The route, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static GatewayRouteOptions WithTransform(this GatewayRouteOptions route, IReadOnlyDictionary<string, string> entry)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(entry);
        route.Transforms.Add(new Dictionary<string, string>(entry, StringComparer.OrdinalIgnoreCase));
        return route;
    }

    private static GatewayRouteOptions Add(GatewayRouteOptions route, string key, string value, string? settingKey = null, string? settingValue = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(value);
        var entry = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [key] = value };
        if (settingKey is not null)
        {
            ArgumentNullException.ThrowIfNull(settingValue);
            entry[settingKey] = settingValue;
        }

        route.Transforms.Add(entry);
        return route;
    }
}
