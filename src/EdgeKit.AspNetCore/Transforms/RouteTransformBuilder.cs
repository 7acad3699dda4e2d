using System.Collections.Frozen;
using EdgeKit.AspNetCore.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// Builds a route's transforms: each entry of its <see cref="GatewayRouteOptions.Transforms"/> is handed to the
/// <see cref="ITransformFactory"/> whose key it holds, after its other keys are checked against the factory's settings
/// (every problem reported, with the entry's configuration path). The gateway-wide defaults (forwarded headers, server
/// header removal) come first, then the route's entries in order, then code-defined callbacks.
/// </summary>
internal sealed class RouteTransformBuilder : IRouteTransformBuilder
{
    /// <summary>The bound of a JSON body transform when <c>MaxBytes</c> is not given: 1 MiB.</summary>
    public const long DefaultJsonMaxBytes = 1024 * 1024;

    private readonly FrozenDictionary<string, ITransformFactory> _factories;
    private readonly string _known;
    private readonly Action<RouteTransformsContext>[] _callbacks;
    private readonly ILogger _logger;

    /// <param name="callbacks">The code-defined callbacks (<c>ConfigureTransforms</c>).</param>
    /// <param name="logger">The logger of the JSON body transforms.</param>
    /// <param name="factories">The transform factories (DI registers the built-in ones first); null for the built-in ones.</param>
    /// <exception cref="InvalidOperationException">Two factories share a key, or a factory's key is another's setting.</exception>
    public RouteTransformBuilder(IEnumerable<RouteTransformsCallback> callbacks, ILogger<RouteTransformBuilder>? logger = null, IEnumerable<ITransformFactory>? factories = null)
    {
        _callbacks = callbacks.Select(c => c.Configure).ToArray();
        _logger = logger ?? NullLogger<RouteTransformBuilder>.Instance;
        var ordered = new List<ITransformFactory>();
        var byKey = new Dictionary<string, ITransformFactory>(StringComparer.OrdinalIgnoreCase);
        foreach (var factory in factories ?? BuiltInTransformFactories.Create())
        {
            ArgumentNullException.ThrowIfNull(factory, nameof(factories));
            if (string.IsNullOrWhiteSpace(factory.Key) || factory.Settings is null)
            {
                throw new InvalidOperationException($"The transform factory {factory.GetType().FullName} has an empty Key or null Settings.");
            }

            if (byKey.TryGetValue(factory.Key, out var existing))
            {
                if (existing.GetType() == factory.GetType())
                {
                    continue;
                }

                throw new InvalidOperationException(
                    $"Two transform factories use the key '{factory.Key}': {existing.GetType().FullName} and {factory.GetType().FullName}. Transform keys must be unique.");
            }

            byKey.Add(factory.Key, factory);
            ordered.Add(factory);
        }

        foreach (var factory in ordered)
        {
            // An entry names its transform by the one key that is a factory's: a key that is also a setting would be ambiguous.
            if (ordered.FirstOrDefault(f => f.Settings.Contains(factory.Key, StringComparer.OrdinalIgnoreCase)) is { } owner)
            {
                throw new InvalidOperationException(
                    $"The transform factory {factory.GetType().FullName} uses the key '{factory.Key}', which is a setting of '{owner.Key}' ({owner.GetType().FullName}). Choose another key.");
            }
        }

        _factories = byKey.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _known = string.Join(", ", ordered.Select(f => f.Key));
    }

    /// <summary>The keys of the transforms this builder knows, in registration order (the built-in ones first).</summary>
    public IEnumerable<string> Keys => _factories.Values.Select(f => f.Key);

    public RouteTransforms Build(string routeId, GatewayRouteOptions route, RouteTransformDefaults defaults, List<string> errors)
    {
        var build = new RouteTransformsBuild(routeId, route, defaults, _logger, errors);
        var requests = build.Requests;
        var responses = build.Responses;
        var entries = route.Transforms ?? [];
        bool hasXForwarded = false;
        bool hasForwarded = false;
        foreach (var entry in entries)
        {
            if (entry is not null)
            {
                hasXForwarded |= entry.Keys.Any(k => k.Equals(XForwarded, StringComparison.OrdinalIgnoreCase));
                hasForwarded |= entry.Keys.Any(k => k.Equals(Forwarded, StringComparison.OrdinalIgnoreCase));
            }
        }

        var forwarded = defaults.Forwarded;
        if (!hasXForwarded && forwarded.Options.XForwarded != ForwardedHeaderAction.Off)
        {
            var action = forwarded.Options.XForwarded;
            requests.Add(new XForwardedTransform(forwarded.Options.XForwardedPrefix, action, action, action, action, forwarded.Proxies));
        }

        if (!hasForwarded && forwarded.Options.Forwarded != ForwardedHeaderAction.Off)
        {
            requests.Add(new ForwardedTransform(forwarded.Options.Forwarded, forwarded.Options.ForwardedFor, forwarded.Options.ForwardedBy, proto: true, host: true, forwarded.Proxies));
        }

        if (defaults.RemoveServerHeaders)
        {
            responses.Add(ServerHeadersRemovalTransform.Instance);
        }

        for (int i = 0; i < entries.Count; i++)
        {
            string path = $"EdgeKit:Routes:{routeId}:Transforms:{i}";
            var raw = entries[i];
            if (raw is null || raw.Count == 0)
            {
                errors.Add($"{path}: is empty; name a transform ({_known}).");
                continue;
            }

            var entry = new Dictionary<string, string?>(raw.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in raw)
            {
                entry[key] = value;
            }

            var kinds = entry.Keys.Where(_factories.ContainsKey).ToList();
            if (kinds.Count == 0)
            {
                errors.Add($"{path}: unknown transform ({string.Join(", ", raw.Keys)}); known transforms: {_known}.");
                continue;
            }

            if (kinds.Count > 1)
            {
                errors.Add($"{path}: names several transforms ({string.Join(", ", kinds)}); give each its own entry.");
                continue;
            }

            var factory = _factories[kinds[0]];
            string kind = factory.Key;
            var allowed = factory.Settings;
            var unknown = entry.Keys.Where(k => !k.Equals(kind, StringComparison.OrdinalIgnoreCase) && !allowed.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                errors.Add(allowed.Count == 0
                    ? $"{path}: {kind} takes no other keys; remove {string.Join(", ", unknown)}."
                    : $"{path}: {kind} does not know {string.Join(", ", unknown)}; its settings are {string.Join(", ", allowed)}.");
                continue;
            }

            var context = new TransformFactoryContext(build, path, kind, entry);
            try
            {
                factory.Build(context);
            }
            catch (Exception ex)
            {
                errors.Add($"{path}: the {kind} transform could not be built: {ex.Message}");
            }
        }

        var requestJson = build.RequestJson;
        if (requestJson.Operations.Count > 0)
        {
            requests.Insert(requestJson.Position, new JsonBodyRequestTransform(requestJson.Operations, requestJson.MaxBytes ?? DefaultJsonMaxBytes, routeId, _logger));
        }

        var responseJson = build.ResponseJson;
        if (responseJson.Operations.Count > 0)
        {
            responses.Insert(responseJson.Position, new JsonBodyResponseTransform(responseJson.Operations, responseJson.MaxBytes ?? DefaultJsonMaxBytes, routeId, _logger));
        }

        if (_callbacks.Length > 0)
        {
            var context = new RouteTransformsContext(routeId, route, requests, responses);
            foreach (var callback in _callbacks)
            {
                try
                {
                    callback(context);
                }
                catch (Exception ex)
                {
                    errors.Add($"EdgeKit:Routes:{routeId}: a ConfigureTransforms callback failed: {ex.Message}");
                }
            }

            if (requests.Any(t => t is null) || responses.Any(t => t is null))
            {
                errors.Add($"EdgeKit:Routes:{routeId}: a ConfigureTransforms callback added a null transform.");
            }
        }

        return requests.Count == 0 && responses.Count == 0 ? RouteTransforms.Empty : new RouteTransforms(requests, responses);
    }
}

/// <summary>A code-defined transform callback, registered by <c>ConfigureTransforms</c>.</summary>
internal sealed class RouteTransformsCallback(Action<RouteTransformsContext> configure)
{
    public Action<RouteTransformsContext> Configure { get; } = configure;
}
