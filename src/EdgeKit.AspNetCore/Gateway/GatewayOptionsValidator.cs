using EdgeKit.Aggregation;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Routing.Patterns;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>Checks gateway options, gathering every problem, and builds the routes when there are none.</summary>
internal static class GatewayOptionsValidator
{
    public static List<GatewayRoute> Build(GatewayOptions options, EdgeKitOptions clusters, IRouteTransformBuilder transforms, List<string> errors, AggregationOptions? aggregates = null, IReadOnlyCollection<string>? cachePolicies = null)
    {
        var routes = new List<GatewayRoute>();
        if (options.Routes is null)
        {
            errors.Add("EdgeKit: Routes is null.");
            return routes;
        }

        if (options.Forwarder is null)
        {
            errors.Add("EdgeKit:Forwarder is null.");
        }
        else
        {
            if (options.Forwarder.DefaultTimeout <= TimeSpan.Zero)
            {
                errors.Add($"EdgeKit:Forwarder: DefaultTimeout must be positive, was {options.Forwarder.DefaultTimeout}.");
            }

            if (options.Forwarder.UpgradeIdleTimeout <= TimeSpan.Zero)
            {
                errors.Add($"EdgeKit:Forwarder: UpgradeIdleTimeout must be positive, was {options.Forwarder.UpgradeIdleTimeout}.");
            }

            if (options.Forwarder.Via is { } via && (via.Length == 0 || via.AsSpan().IndexOfAny(" \t\r\n,") >= 0))
            {
                errors.Add($"EdgeKit:Forwarder: Via '{via}' must be a single token (letters, digits, '.', '-'), e.g. 'edgekit'.");
            }
        }

        if (options.ReloadThreadReserve is < 0 or > GatewayOptions.MaxReloadThreadReserve)
        {
            errors.Add($"EdgeKit:ReloadThreadReserve must be from 0 to {GatewayOptions.MaxReloadThreadReserve}, was {options.ReloadThreadReserve}.");
        }

        ValidateAffinity(options, clusters, errors);
        var transformDefaults = RouteTransformDefaults.Parse(options, errors);
        var identityForwarders = BuildIdentityForwarders(options, errors);
        var identityHeaders = IdentityHeaderNames.From(options.IdentityForwarding?.Values ?? (IEnumerable<IdentityForwardingOptions?>)[]);
        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, route) in options.Routes)
        {
            string path = route is null ? $"EdgeKit:Routes:{id}" : GatewayPolicyReferences.RoutePath(id, route);
            if (string.IsNullOrWhiteSpace(id))
            {
                errors.Add("EdgeKit:Routes: a route has an empty id.");
                continue;
            }

            if (!ids.TryAdd(id, id))
            {
                errors.Add($"{path}: route ids '{ids[id]}' and '{id}' differ only in case; ids are compared case-insensitively, so rename one.");
            }

            if (route is null)
            {
                errors.Add($"{path}: has no settings; give it a Match and a Cluster.");
                continue;
            }

            int before = errors.Count;
            ValidateTarget(path, route, clusters, aggregates, errors);
            ValidateAggregateHeaders(path, route, aggregates, identityHeaders, errors);
            Protocols.GrpcWebRouteValidator.Validate(path, route, clusters, errors);
            ValidateMatch(path, route.Match, errors);
            if (route.CachePolicy is { } cachePolicy && !(cachePolicies?.Contains(cachePolicy, StringComparer.OrdinalIgnoreCase) ?? false))
            {
                string known = cachePolicies is null or { Count: 0 } ? "none are configured under EdgeKit:Caching:Policies" : "known policies: " + string.Join(", ", cachePolicies.Order(StringComparer.OrdinalIgnoreCase));
                errors.Add($"{path}: CachePolicy '{cachePolicy}' does not exist ({known}).");
            }

            IdentityForwarder? identityForwarder = null;
            if (route.IdentityForwarding is { } forwarding && !identityForwarders.TryGetValue(forwarding, out identityForwarder))
            {
                string known = identityForwarders.Count == 0 ? "none are configured under EdgeKit:IdentityForwarding" : "known: " + string.Join(", ", identityForwarders.Keys.Order(StringComparer.OrdinalIgnoreCase));
                errors.Add($"{path}: IdentityForwarding '{forwarding}' does not exist ({known}).");
            }

            if (route.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                errors.Add($"{path}: Timeout must be positive, was {timeout}.");
            }

            if (route.UpgradeIdleTimeout is { } idle && idle <= TimeSpan.Zero)
            {
                errors.Add($"{path}: UpgradeIdleTimeout must be positive, was {idle}.");
            }

            if (route.MaxRequestBodySize is < 0)
            {
                errors.Add($"{path}: MaxRequestBodySize must be 0 or more, was {route.MaxRequestBodySize}.");
            }

            if (route.Transforms is null)
            {
                errors.Add($"{path}: Transforms is null.");
            }

            if (route.Retry is { } retry)
            {
                if (route.Cluster is null)
                {
                    errors.Add($"{path}:Retry: retries need a route with a Cluster; an Aggregate's legs have their own settings.");
                }

                Resilience.EdgeKitResilienceOptionsValidator.Validate(retry, $"{path}:Retry", errors);
            }

            if (route.Metadata is null)
            {
                errors.Add($"{path}: Metadata is null.");
            }

            if (errors.Count != before)
            {
                continue;
            }

            var built = transforms.Build(id, route, transformDefaults, errors);
            routes.Add(new GatewayRoute(id, route, built, route.Timeout ?? options.Forwarder?.DefaultTimeout ?? TimeSpan.FromSeconds(100))
            {
                IdentityForwarder = identityForwarder,
                Retry = route.Retry is { } retryOptions ? new Forwarding.RouteRetry(retryOptions) : null,
            });
        }

        return routes;
    }

    private static Dictionary<string, IdentityForwarder> BuildIdentityForwarders(GatewayOptions options, List<string> errors)
    {
        var forwarders = new Dictionary<string, IdentityForwarder>(StringComparer.OrdinalIgnoreCase);
        if (options.IdentityForwarding is null)
        {
            errors.Add("EdgeKit: IdentityForwarding is null.");
            return forwarders;
        }

        foreach (var (name, forwarding) in options.IdentityForwarding)
        {
            if (forwarding is null)
            {
                errors.Add($"EdgeKit:IdentityForwarding:{name}: has no settings.");
                continue;
            }

            var problems = IdentityForwarder.Validate(forwarding);
            if (problems.Count > 0)
            {
                errors.AddRange(problems.Select(p => $"EdgeKit:IdentityForwarding:{name}: {p}"));
                continue;
            }

            forwarders[name] = new IdentityForwarder(forwarding);
        }

        return forwarders;
    }

    private static void ValidateAffinity(GatewayOptions options, EdgeKitOptions clusters, List<string> errors)
    {
        if (options.SessionAffinity is null)
        {
            errors.Add("EdgeKit: SessionAffinity is null.");
            return;
        }

        foreach (var (cluster, affinity) in options.SessionAffinity)
        {
            string path = $"EdgeKit:SessionAffinity:{cluster}";
            if (affinity is null)
            {
                errors.Add($"{path}: has no settings.");
                continue;
            }

            if (!clusters.Clusters.ContainsKey(cluster))
            {
                errors.Add($"{path}: cluster '{cluster}' does not exist.");
            }

            if (!Enum.IsDefined(affinity.Mode))
            {
                errors.Add($"{path}: Mode '{affinity.Mode}' is unknown; use Cookie or Header.");
            }

            if (!Enum.IsDefined(affinity.FailurePolicy))
            {
                errors.Add($"{path}: FailurePolicy '{affinity.FailurePolicy}' is unknown; use Redistribute or Return503.");
            }

            if (affinity.Name is { } name && (name.Length == 0 || !IsToken(name)))
            {
                errors.Add($"{path}: Name '{name}' is not a valid {(affinity.Mode == Affinity.SessionAffinityMode.Cookie ? "cookie" : "header")} name.");
            }

            if (affinity.CookieLifetime is { } lifetime && lifetime <= TimeSpan.Zero)
            {
                errors.Add($"{path}: CookieLifetime must be positive, was {lifetime}.");
            }

            if (string.IsNullOrEmpty(affinity.CookiePath) || affinity.CookiePath[0] != '/')
            {
                errors.Add($"{path}: CookiePath '{affinity.CookiePath}' must start with '/'.");
            }

            for (int i = 0; i < (affinity.Keys?.Count ?? 0); i++)
            {
                if (DecodeKey(affinity.Keys![i]) is null)
                {
                    errors.Add($"{path}:Keys:{i}: is not a base64 key of at least 32 bytes.");
                }
            }
        }
    }

    internal static byte[]? DecodeKey(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        try
        {
            var bytes = Convert.FromBase64String(key);
            return bytes.Length >= 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void ValidateTarget(string path, GatewayRouteOptions route, EdgeKitOptions clusters, AggregationOptions? aggregates, List<string> errors)
    {
        bool hasCluster = !string.IsNullOrWhiteSpace(route.Cluster);
        bool hasAggregate = !string.IsNullOrWhiteSpace(route.Aggregate);
        if (hasCluster == hasAggregate)
        {
            errors.Add(hasCluster
                ? $"{path}: sets both Cluster '{route.Cluster}' and Aggregate '{route.Aggregate}'; a route targets one of them."
                : $"{path}: has no target; set Cluster (or Aggregate).");
            return;
        }

        if (hasCluster && !clusters.Clusters.ContainsKey(route.Cluster!))
        {
            string known = clusters.Clusters.Count == 0 ? "none are configured" : "known clusters: " + string.Join(", ", clusters.Clusters.Keys.Order(StringComparer.OrdinalIgnoreCase));
            errors.Add($"{path}: Cluster '{route.Cluster}' does not exist ({known}).");
        }

        if (hasAggregate)
        {
            if (aggregates is null)
            {
                errors.Add($"{path}: Aggregate '{route.Aggregate}' needs aggregation; define aggregates under EdgeKit:Aggregates (AddGateway(section) reads them) or call AddAggregate(...).");
            }
            else if (!aggregates.Aggregates.ContainsKey(route.Aggregate!))
            {
                string known = aggregates.Aggregates.Count == 0 ? "none are configured" : "known aggregates: " + string.Join(", ", aggregates.Aggregates.Keys.Order(StringComparer.OrdinalIgnoreCase));
                errors.Add($"{path}: Aggregate '{route.Aggregate}' does not exist ({known}).");
            }
        }
    }

    /// <summary>An aggregate route must not pass on a client's copy of a header that only the gateway sets (an identity header).</summary>
    private static void ValidateAggregateHeaders(string path, GatewayRouteOptions route, AggregationOptions? aggregates, IdentityHeaderNames identityHeaders, List<string> errors)
    {
        if (identityHeaders.IsEmpty || route.Aggregate is not { } name || aggregates is null || !aggregates.Aggregates.TryGetValue(name, out var aggregate) || aggregate is null)
        {
            return;
        }

        var forwarded = (aggregate.ForwardedRequestHeaders ?? (IEnumerable<string>)AggregateOptions.DefaultForwardedRequestHeaders)
            .Concat((aggregate.Legs ?? []).SelectMany(leg => leg?.ForwardedRequestHeaders ?? []));
        foreach (var header in forwarded.Where(h => h is not null && identityHeaders.Contains(h)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{path}: Aggregate '{name}' forwards the client's '{header}' header, which names an identity header of EdgeKit:IdentityForwarding (only the gateway sets those); remove it from ForwardedRequestHeaders.");
        }
    }

    private static void ValidateMatch(string path, RouteMatchOptions? match, List<string> errors)
    {
        if (match is null)
        {
            errors.Add($"{path}: Match is null.");
            return;
        }

        if (match.Path is { } template)
        {
            if (string.IsNullOrWhiteSpace(template))
            {
                errors.Add($"{path}:Match: Path is blank; give a template such as '/orders/{{**rest}}', or remove it to match every path.");
            }
            else
            {
                try
                {
                    RoutePatternFactory.Parse(template);
                }
                catch (Exception ex) when (ex is RoutePatternException or InvalidOperationException)
                {
                    // InvalidOperationException: a template past routing's 28 segments.
                    errors.Add($"{path}:Match: Path '{template}' is not a valid route template: {ex.Message}");
                }
            }
        }

        if (match.Methods is null || match.Hosts is null || match.Headers is null || match.QueryParameters is null)
        {
            errors.Add($"{path}:Match: Methods, Hosts, Headers and QueryParameters may be empty but not null.");
            return;
        }

        foreach (var method in match.Methods)
        {
            if (string.IsNullOrWhiteSpace(method) || !IsToken(method))
            {
                errors.Add($"{path}:Match: method '{method}' is not an HTTP method token.");
            }
        }

        foreach (var host in match.Hosts)
        {
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/', StringComparison.Ordinal))
            {
                errors.Add($"{path}:Match: host '{host}' is not a host name (with optional port), e.g. 'api.example.com' or '*.example.com:8443'.");
            }
        }

        for (int i = 0; i < match.Headers.Count; i++)
        {
            var header = match.Headers[i];
            ValidateValueMatch($"{path}:Match:Headers:{i}", header?.Name, header?.Values, header?.Mode, isHeader: true, errors);
        }

        for (int i = 0; i < match.QueryParameters.Count; i++)
        {
            var query = match.QueryParameters[i];
            ValidateValueMatch($"{path}:Match:QueryParameters:{i}", query?.Name, query?.Values, query?.Mode, isHeader: false, errors);
        }
    }

    private static void ValidateValueMatch(string path, string? name, List<string>? values, RouteValueMatchMode? mode, bool isHeader, List<string> errors)
    {
        if (mode is null)
        {
            errors.Add($"{path}: has no settings.");
            return;
        }

        if (string.IsNullOrWhiteSpace(name) || (isHeader && !IsToken(name)))
        {
            errors.Add($"{path}: Name '{name}' is not a valid {(isHeader ? "header" : "query parameter")} name.");
        }

        if (!Enum.IsDefined(mode.Value))
        {
            errors.Add($"{path}: Mode '{mode}' is unknown; use Exact, Prefix, Contains, Exists or NotExists.");
            return;
        }

        bool needsValues = mode is not (RouteValueMatchMode.Exists or RouteValueMatchMode.NotExists);
        int count = values?.Count ?? 0;
        if (needsValues && count == 0)
        {
            errors.Add($"{path}: Mode {mode} needs at least one value in Values.");
        }
        else if (!needsValues && count > 0)
        {
            errors.Add($"{path}: Mode {mode} takes no Values; remove them.");
        }
        else if (values is not null && values.Any(string.IsNullOrEmpty))
        {
            errors.Add($"{path}: Values contains an empty value.");
        }
    }

    private static bool IsToken(string value)
    {
        foreach (char c in value)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
