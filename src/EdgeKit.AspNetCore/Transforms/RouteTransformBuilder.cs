using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Gateway;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static EdgeKit.AspNetCore.Transforms.TransformKeys;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// The built-in transforms: each entry of a route's <see cref="GatewayRouteOptions.Transforms"/> is read by the key
/// that names it, its settings checked (every problem reported, with the entry's configuration path), and turned into
/// a <see cref="RequestTransform"/> or <see cref="ResponseTransform"/>. The gateway-wide defaults (forwarded headers,
/// server header removal) come first, then the route's entries in order, then code-defined callbacks.
/// </summary>
internal sealed class RouteTransformBuilder : IRouteTransformBuilder
{
    /// <summary>The bound of a JSON body transform when <c>MaxBytes</c> is not given: 1 MiB.</summary>
    public const long DefaultJsonMaxBytes = 1024 * 1024;

    private static readonly Dictionary<string, string[]> s_settings = new(StringComparer.OrdinalIgnoreCase)
    {
        [PathPrefix] = [],
        [PathRemovePrefix] = [],
        [PathSet] = [],
        [PathPattern] = [],
        [QueryParameter] = [Set, Append],
        [QueryRemoveParameter] = [],
        [HttpMethodChange] = [Set],
        [RequestHeader] = [Set, Append],
        [RequestHeaderRemove] = [],
        [RequestHeaderOriginalHost] = [],
        [ResponseHeader] = [Set, Append, When],
        [ResponseHeaderRemove] = [When],
        [XForwarded] = [For, Proto, Host, Prefix, HeaderPrefix],
        [Forwarded] = [TransformKeys.Action, ForFormat, ByFormat],
        [RequestBodyJson] = [Remove, RenameTo, Set, MaxBytes],
        [ResponseBodyJson] = [Remove, RenameTo, Set, MaxBytes],
    };

    private static readonly string s_known = string.Join(", ", s_settings.Keys);

    private readonly Action<RouteTransformsContext>[] _callbacks;
    private readonly ILogger _logger;

    public RouteTransformBuilder(IEnumerable<RouteTransformsCallback> callbacks, ILogger<RouteTransformBuilder>? logger = null)
    {
        _callbacks = callbacks.Select(c => c.Configure).ToArray();
        _logger = logger ?? NullLogger<RouteTransformBuilder>.Instance;
    }

    public RouteTransforms Build(string routeId, GatewayRouteOptions route, RouteTransformDefaults defaults, List<string> errors)
    {
        var requests = new List<RequestTransform>();
        var responses = new List<ResponseTransform>();
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

        var requestJson = new JsonGroup();
        var responseJson = new JsonGroup();
        for (int i = 0; i < entries.Count; i++)
        {
            string path = $"EdgeKit:Routes:{routeId}:Transforms:{i}";
            var raw = entries[i];
            if (raw is null || raw.Count == 0)
            {
                errors.Add($"{path}: is empty; name a transform ({s_known}).");
                continue;
            }

            var entry = new Dictionary<string, string?>(raw.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in raw)
            {
                entry[key] = value;
            }

            var kinds = entry.Keys.Where(s_settings.ContainsKey).ToList();
            if (kinds.Count == 0)
            {
                errors.Add($"{path}: unknown transform ({string.Join(", ", raw.Keys)}); known transforms: {s_known}.");
                continue;
            }

            if (kinds.Count > 1)
            {
                errors.Add($"{path}: names several transforms ({string.Join(", ", kinds)}); give each its own entry.");
                continue;
            }

            string kind = s_settings.Keys.First(k => k.Equals(kinds[0], StringComparison.OrdinalIgnoreCase));
            var allowed = s_settings[kind];
            var unknown = entry.Keys.Where(k => !k.Equals(kind, StringComparison.OrdinalIgnoreCase) && !allowed.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                errors.Add(allowed.Length == 0
                    ? $"{path}: {kind} takes no other keys; remove {string.Join(", ", unknown)}."
                    : $"{path}: {kind} does not know {string.Join(", ", unknown)}; its settings are {string.Join(", ", allowed)}.");
                continue;
            }

            var reader = new EntryReader(path, kind, entry, errors);
            int before = errors.Count;
            switch (kind)
            {
                case PathPrefix:
                    requests.Add(new PathPrefixTransform(reader.PathValue()));
                    break;
                case PathRemovePrefix:
                    requests.Add(new PathRemovePrefixTransform(reader.PathValue()));
                    break;
                case PathSet:
                    requests.Add(new PathSetTransform(reader.PathValue()));
                    break;
                case PathPattern:
                    if (reader.Pattern(route.Match?.Path) is { } pattern)
                    {
                        requests.Add(new PathPatternTransform(pattern));
                    }

                    break;
                case QueryParameter:
                {
                    string name = reader.Name("a query parameter name", token: false);
                    var (value, append) = reader.SetOrAppend(name);
                    requests.Add(new QueryParameterTransform(name, value, append ? QueryParameterAction.Append : QueryParameterAction.Set));
                    break;
                }

                case QueryRemoveParameter:
                    requests.Add(new QueryParameterTransform(reader.Name("a query parameter name", token: false), null, QueryParameterAction.Remove));
                    break;
                case HttpMethodChange:
                {
                    string from = reader.Method(reader.Value, kind);
                    string? to = reader.Get(Set);
                    if (to is null)
                    {
                        errors.Add($"{path}: HttpMethodChange needs Set (the method sent instead), e.g. 'POST'.");
                    }
                    else
                    {
                        to = reader.Method(to, Set);
                    }

                    if (errors.Count == before)
                    {
                        requests.Add(new HttpMethodChangeTransform(from, to!));
                    }

                    break;
                }

                case RequestHeader:
                {
                    string name = reader.HeaderName(forRequest: true);
                    var (value, append) = reader.SetOrAppend(name);
                    requests.Add(new RequestHeaderTransform(name, value, append ? HeaderAction.Append : HeaderAction.Set));
                    break;
                }

                case RequestHeaderRemove:
                    requests.Add(new RequestHeaderTransform(reader.HeaderName(forRequest: true), null, HeaderAction.Remove));
                    break;
                case RequestHeaderOriginalHost:
                    if (reader.Boolean(reader.Value, kind))
                    {
                        requests.Add(OriginalHostTransform.Instance);
                    }

                    break;
                case ResponseHeader:
                {
                    string name = reader.HeaderName(forRequest: false);
                    var (value, append) = reader.SetOrAppend(name);
                    responses.Add(new ResponseHeaderTransform(name, value, append ? HeaderAction.Append : HeaderAction.Set, reader.When()));
                    break;
                }

                case ResponseHeaderRemove:
                    responses.Add(new ResponseHeaderTransform(reader.HeaderName(forRequest: false), null, HeaderAction.Remove, reader.When()));
                    break;
                case XForwarded:
                {
                    var all = reader.ForwardedAction(reader.Value, kind);
                    string prefix = reader.Get(HeaderPrefix) ?? forwarded.Options.XForwardedPrefix;
                    if (!HeaderSyntax.IsToken(prefix))
                    {
                        errors.Add($"{path}: HeaderPrefix '{prefix}' must be a header name prefix such as 'X-Forwarded-'.");
                    }

                    var forAction = reader.Get(For) is { } f ? reader.ForwardedAction(f, For) : all;
                    var protoAction = reader.Get(Proto) is { } p ? reader.ForwardedAction(p, Proto) : all;
                    var hostAction = reader.Get(Host) is { } h ? reader.ForwardedAction(h, Host) : all;
                    var prefixAction = reader.Get(Prefix) is { } x ? reader.ForwardedAction(x, Prefix) : all;
                    requests.Add(new XForwardedTransform(prefix, forAction, protoAction, hostAction, prefixAction, forwarded.Proxies));
                    break;
                }

                case Forwarded:
                    requests.Add(reader.Forwarded(forwarded));
                    break;
                case RequestBodyJson:
                    reader.Json(requestJson, requests.Count);
                    break;
                case ResponseBodyJson:
                    reader.Json(responseJson, responses.Count);
                    break;
            }
        }

        if (requestJson.Operations.Count > 0)
        {
            requests.Insert(requestJson.Position, new JsonBodyRequestTransform(requestJson.Operations, requestJson.MaxBytes ?? DefaultJsonMaxBytes, routeId, _logger));
        }

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

    /// <summary>The JSON body operations of one direction, applied over one parse.</summary>
    private sealed class JsonGroup
    {
        public List<JsonBodyOperation> Operations { get; } = [];

        public int Position { get; set; } = -1;

        public long? MaxBytes { get; set; }
    }

    /// <summary>Reads one entry's settings, adding a message for each bad one.</summary>
    private readonly struct EntryReader(string path, string kind, Dictionary<string, string?> entry, List<string> errors)
    {
        public string Value => entry[kind] ?? string.Empty;

        public string? Get(string key) => entry.TryGetValue(key, out var value) ? value ?? string.Empty : null;

        public PathString PathValue()
        {
            string value = Value;
            if (value.Length == 0 || value[0] != '/')
            {
                errors.Add($"{path}: {kind} '{value}' must start with '/'.");
                return PathString.Empty;
            }

            if (value.Contains('?', StringComparison.Ordinal) || value.Contains('#', StringComparison.Ordinal))
            {
                errors.Add($"{path}: {kind} '{value}' must be a path without '?' or '#'; use QueryParameter for the query.");
                return PathString.Empty;
            }

            return new PathString(value == "/" && kind == PathPrefix ? string.Empty : value);
        }

        public RoutePattern? Pattern(string? matchPath)
        {
            string value = Value;
            if (value.Length == 0 || value[0] != '/')
            {
                errors.Add($"{path}: PathPattern '{value}' must start with '/'.");
                return null;
            }

            RoutePattern pattern;
            try
            {
                pattern = RoutePatternFactory.Parse(value);
            }
            catch (Exception ex) when (ex is RoutePatternException or InvalidOperationException)
            {
                // InvalidOperationException: a template past routing's 28 segments.
                errors.Add($"{path}: PathPattern '{value}' is not a valid route template: {ex.Message}");
                return null;
            }

            HashSet<string> captured = new(StringComparer.OrdinalIgnoreCase);
            try
            {
                foreach (var parameter in RoutePatternFactory.Parse(matchPath ?? GatewayEndpointDataSource.CatchAllTemplate).Parameters)
                {
                    captured.Add(parameter.Name);
                }
            }
            catch (Exception ex) when (ex is RoutePatternException or InvalidOperationException)
            {
                // Match:Path is reported by the route's own validation; what it captures is then unknown.
                return pattern;
            }

            var missing = pattern.Parameters.Where(p => !captured.Contains(p.Name)).Select(p => p.Name).ToList();
            if (missing.Count > 0)
            {
                string have = captured.Count == 0 ? "it captures none" : "it captures " + string.Join(", ", captured);
                errors.Add($"{path}: PathPattern '{value}' uses {string.Join(", ", missing.Select(m => "{" + m + "}"))}, which Match:Path does not capture ({have}).");
                return null;
            }

            return pattern;
        }

        public string Name(string what, bool token)
        {
            string value = Value;
            if (string.IsNullOrWhiteSpace(value) || (token && !HeaderSyntax.IsToken(value)) || !HeaderSyntax.IsValidValue(value))
            {
                errors.Add($"{path}: {kind} '{value}' is not {what}.");
            }

            return value;
        }

        public string HeaderName(bool forRequest)
        {
            string name = Name("a header name", token: true);
            if (HeaderSyntax.IsToken(name)
                && (forRequest ? HeaderRules.IsNeverForwardedRequestHeader(name) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase) : HeaderRules.IsNeverForwardedResponseHeader(name)))
            {
                errors.Add($"{path}: {kind} '{name}' is a hop-by-hop header managed by the forwarder; transforms cannot change it.");
            }

            return name;
        }

        public (string Value, bool Append) SetOrAppend(string name)
        {
            string? set = Get(Set);
            string? append = Get(Append);
            if ((set is null) == (append is null))
            {
                errors.Add($"{path}: {kind} '{name}' needs exactly one of Set or Append.");
                return (string.Empty, false);
            }

            string value = set ?? append!;
            if (!HeaderSyntax.IsValidValue(value))
            {
                errors.Add($"{path}: the value of {kind} '{name}' contains CR, LF or NUL.");
            }

            return (value, append is not null);
        }

        public string Method(string value, string key)
        {
            if (!HeaderSyntax.IsToken(value))
            {
                errors.Add($"{path}: {key} '{value}' is not an HTTP method.");
                return "GET";
            }

            return value.ToUpperInvariant();
        }

        public bool Boolean(string value, string key)
        {
            if (!bool.TryParse(value, out bool result))
            {
                errors.Add($"{path}: {key} '{value}' must be true or false.");
            }

            return result;
        }

        public ResponseCondition When()
        {
            if (Get(TransformKeys.When) is not { } value)
            {
                return ResponseCondition.Always;
            }

            if (!TryParseEnum<ResponseCondition>(value, out var when))
            {
                errors.Add($"{path}: When '{value}' is unknown; use Always, Success or Failure.");
            }

            return when;
        }

        public ForwardedHeaderAction ForwardedAction(string value, string key)
        {
            if (!TryParseEnum<ForwardedHeaderAction>(value, out var action))
            {
                errors.Add($"{path}: {key} '{value}' is unknown; use Append, Set, Off or Remove.");
            }

            return action;
        }

        public ForwardedNodeFormat NodeFormat(string value, string key)
        {
            if (!TryParseEnum<ForwardedNodeFormat>(value, out var format) || format == ForwardedNodeFormat.None)
            {
                errors.Add($"{path}: {key} '{value}' is unknown; use Ip, IpAndPort, Random, RandomAndPort or Unknown.");
            }

            return format;
        }

        public ForwardedTransform Forwarded(ForwardedHeaderSettings defaults)
        {
            bool sendFor = false, sendBy = false, sendProto = false, sendHost = false;
            foreach (var raw in Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                switch (raw.ToLowerInvariant())
                {
                    case "for":
                        sendFor = true;
                        break;
                    case "by":
                        sendBy = true;
                        break;
                    case "proto":
                        sendProto = true;
                        break;
                    case "host":
                        sendHost = true;
                        break;
                    default:
                        errors.Add($"{path}: Forwarded parameter '{raw}' is unknown; list some of for, by, proto, host.");
                        break;
                }
            }

            if (!(sendFor || sendBy || sendProto || sendHost))
            {
                errors.Add($"{path}: Forwarded '{Value}' names no parameter; list some of for, by, proto, host.");
            }

            var action = Get(TransformKeys.Action) is { } a ? ForwardedAction(a, TransformKeys.Action) : ForwardedHeaderAction.Append;
            var forFormat = !sendFor ? ForwardedNodeFormat.None : Get(ForFormat) is { } f ? NodeFormat(f, ForFormat) : defaults.Options.ForwardedFor;
            var byFormat = !sendBy ? ForwardedNodeFormat.None
                : Get(ByFormat) is { } b ? NodeFormat(b, ByFormat)
                : defaults.Options.ForwardedBy == ForwardedNodeFormat.None ? ForwardedNodeFormat.Ip : defaults.Options.ForwardedBy;
            if (!sendFor && Get(ForFormat) is not null)
            {
                errors.Add($"{path}: ForFormat is set but Forwarded does not send 'for'.");
            }

            if (!sendBy && Get(ByFormat) is not null)
            {
                errors.Add($"{path}: ByFormat is set but Forwarded does not send 'by'.");
            }

            return new ForwardedTransform(action, forFormat, byFormat, sendProto, sendHost, defaults.Proxies);
        }

        public void Json(JsonGroup group, int position)
        {
            string property = Value;
            if (property.Length == 0 || property.Split('.').Any(string.IsNullOrEmpty))
            {
                errors.Add($"{path}: {kind} '{property}' is not a property path such as 'name' or 'customer.email'.");
            }

            string? remove = Get(Remove);
            string? renameTo = Get(RenameTo);
            string? set = Get(Set);
            int count = (remove is null ? 0 : 1) + (renameTo is null ? 0 : 1) + (set is null ? 0 : 1);
            JsonBodyAction action = JsonBodyAction.Remove;
            JsonNode? value = null;
            if (count != 1)
            {
                errors.Add($"{path}: {kind} '{property}' needs exactly one of Remove, RenameTo or Set.");
            }
            else if (remove is not null)
            {
                if (!bool.TryParse(remove, out bool yes) || !yes)
                {
                    errors.Add($"{path}: Remove '{remove}' must be true (leave the entry out to keep the property).");
                }
            }
            else if (renameTo is not null)
            {
                action = JsonBodyAction.Rename;
                if (string.IsNullOrEmpty(renameTo) || renameTo.Contains('.', StringComparison.Ordinal))
                {
                    errors.Add($"{path}: RenameTo '{renameTo}' must be a property name without '.'.");
                }
            }
            else
            {
                action = JsonBodyAction.Set;
                try
                {
                    value = JsonNode.Parse(set!);
                }
                catch (JsonException)
                {
                    errors.Add($"{path}: Set '{set}' is not a JSON value; write strings quoted, e.g. \"\\\"text\\\"\", 42, true or {{\"a\":1}}.");
                }
            }

            if (Get(MaxBytes) is { } max)
            {
                if (!long.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) || bytes <= 0 || bytes > Array.MaxLength)
                {
                    errors.Add($"{path}: MaxBytes '{max}' must be a whole number of bytes from 1 to {Array.MaxLength}.");
                }
                else
                {
                    group.MaxBytes = Math.Min(group.MaxBytes ?? long.MaxValue, bytes);
                }
            }

            group.Operations.Add(new JsonBodyOperation(property, action, renameTo, value));
            if (group.Position < 0)
            {
                group.Position = position;
            }
        }

        private static bool TryParseEnum<T>(string value, out T result)
            where T : struct, Enum
        {
            // Names only: Enum.TryParse would also accept numbers such as '7'.
            bool parsed = Enum.TryParse(value, ignoreCase: true, out result);
            string trimmed = value.Trim().TrimStart('-', '+');
            return parsed && trimmed.Length > 0 && !char.IsAsciiDigit(trimmed[0]) && Enum.IsDefined(result);
        }
    }
}

/// <summary>A code-defined transform callback, registered by <c>ConfigureTransforms</c>.</summary>
internal sealed class RouteTransformsCallback(Action<RouteTransformsContext> configure)
{
    public Action<RouteTransformsContext> Configure { get; } = configure;
}
