using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using EdgeKit.Aggregation;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Migration;

/// <summary>
/// Reads an Ocelot configuration (<c>ocelot.json</c>: <c>Routes</c>, <c>Aggregates</c>, <c>GlobalConfiguration</c>) into
/// EdgeKit routes, one cluster per route, authorization policies and aggregates with the same routing. Every key is
/// either mapped or refused with why; see docs/migrating-from-ocelot.md for the table.
/// </summary>
internal static partial class OcelotConfigurationImporter
{
    private const string Dialect = "Ocelot";

    /// <summary>Ocelot's default priority of a route (its catch-all <c>/{everything}</c> gets 0).</summary>
    private const int DefaultPriority = 1;

    private static readonly string[] s_rootKeys = ["Routes", "Aggregates", "GlobalConfiguration", "DynamicRoutes"];

    private static readonly string[] s_routeKeys =
    [
        "UpstreamPathTemplate", "DownstreamPathTemplate", "UpstreamHttpMethod", "DownstreamScheme", "DownstreamHostAndPorts",
        "LoadBalancerOptions", "AuthenticationOptions", "RouteClaimsRequirement", "RateLimitOptions", "FileCacheOptions",
        "QoSOptions", "AddHeadersToRequest", "Priority", "UpstreamHost", "Key", "UpstreamHeaderTransform", "DownstreamHeaderTransform",
        "DangerousAcceptAnyServerCertificateValidator", "DownstreamHttpVersion", "DownstreamHttpVersionPolicy", "HttpHandlerOptions",
        "RouteIsCaseSensitive", "AddClaimsToRequest", "AddQueriesToRequest", "RequestIdKey", "ServiceName", "ServiceNamespace",
        "DelegatingHandlers", "SecurityOptions", "DownstreamHttpMethod", "Timeout", "Metadata", "UpstreamHeaderTemplates", "ChangeDownstreamPathTemplate",
    ];

    /// <summary>Route keys refused whenever they hold a value, with why.</summary>
    private static readonly Dictionary<string, string> s_refusedWhenSet = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AddHeadersToRequest"] = "EdgeKit turns claims into request headers through identity forwarding profiles (EdgeKit:IdentityForwarding, route key IdentityForwarding), not Ocelot's claims transformation syntax.",
        ["AddClaimsToRequest"] = "EdgeKit does not add claims to the caller's identity.",
        ["AddQueriesToRequest"] = "EdgeKit does not turn claims into query parameters; use identity forwarding (headers) instead.",
        ["RequestIdKey"] = "EdgeKit does not generate request ids; W3C trace context (traceparent) is propagated instead.",
        ["ServiceName"] = "EdgeKit resolves services through Microsoft.Extensions.ServiceDiscovery (EdgeKit:Clusters:<name>:ServiceName), not Ocelot's Consul/Eureka/Kubernetes providers; list DownstreamHostAndPorts instead.",
        ["ServiceNamespace"] = "EdgeKit resolves services through Microsoft.Extensions.ServiceDiscovery, not Ocelot's providers.",
        ["DelegatingHandlers"] = "Ocelot's delegating handlers are code; add EdgeKit transforms in code (ConfigureTransforms) instead.",
        ["SecurityOptions"] = "EdgeKit has no IP allow or block lists; put them in front of the gateway or in ASP.NET middleware.",
        ["DownstreamHttpMethod"] = "EdgeKit changes a method with the HttpMethodChange transform of one method to another, not one for every method.",
        ["Timeout"] = "Ocelot answers a timed-out request 503 and EdgeKit 504 (Gateway Timeout, as HTTP specifies); write the time in the EdgeKit route's Timeout instead.",
        ["Metadata"] = "EdgeKit route metadata is set in EdgeKit's own configuration (EdgeKit:Routes:<id>:Metadata).",
        ["UpstreamHeaderTemplates"] = "EdgeKit matches headers by value (Exact, Prefix, Contains, Exists, NotExists), not by templates with placeholders.",
        ["ChangeDownstreamPathTemplate"] = "EdgeKit does not build the downstream path from claims.",
    };

    private static readonly string[] s_hostKeys = ["Host", "Port"];
    private static readonly string[] s_loadBalancerKeys = ["Type", "Key", "Expiry"];
    private static readonly string[] s_authenticationKeys = ["AuthenticationProviderKey", "AuthenticationProviderKeys", "AllowedScopes"];
    private static readonly string[] s_rateLimitKeys = ["ClientWhitelist", "EnableRateLimiting", "Period", "PeriodTimespan", "Limit"];
    private static readonly string[] s_globalRateLimitKeys = ["DisableRateLimitHeaders", "QuotaExceededMessage", "HttpStatusCode", "ClientIdHeader", "RateLimitCounterPrefix"];
    private static readonly string[] s_cacheKeys = ["TtlSeconds", "Region", "Header", "EnableContentHashing"];
    private static readonly string[] s_qosKeys = ["ExceptionsAllowedBeforeBreaking", "DurationOfBreak", "TimeoutValue", "BreakDuration", "MinimumThroughput", "FailureRatio", "SamplingDuration"];
    private static readonly string[] s_handlerKeys = ["AllowAutoRedirect", "UseCookieContainer", "UseTracing", "UseProxy", "MaxConnectionsPerServer", "PooledConnectionLifetimeSeconds"];
    private static readonly string[] s_aggregateKeys = ["RouteKeys", "UpstreamPathTemplate", "UpstreamHost", "Priority", "Aggregator", "RouteKeysConfig", "UpstreamHttpMethod", "RouteIsCaseSensitive"];

    private static readonly string[] s_globalKeys =
    [
        "BaseUrl", "RequestIdKey", "ServiceDiscoveryProvider", "RateLimitOptions", "QoSOptions", "LoadBalancerOptions", "DownstreamScheme",
        "HttpHandlerOptions", "DownstreamHttpVersion", "DownstreamHttpVersionPolicy", "CacheOptions", "AuthenticationOptions", "Timeout",
    ];

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Placeholder();

    /// <summary>Reads an Ocelot configuration (the keys of <c>ocelot.json</c>).</summary>
    public static ImportedConfiguration Import(IConfiguration configuration)
    {
        var imported = new ImportedConfiguration();
        var reader = new ImportReader(Dialect, imported.Errors);
        reader.CheckKeys(configuration, "configuration", s_rootKeys);
        reader.RefuseIfPresent(configuration, "DynamicRoutes", "EdgeKit has no routes built from service discovery at request time; list the routes.");
        var global = ReadGlobal(reader, configuration.GetSection("GlobalConfiguration"));
        var routeTargets = new Dictionary<string, (string Cluster, string DownstreamPath)>(StringComparer.OrdinalIgnoreCase);
        int index = 0;
        foreach (var section in reader.Items(configuration, "Routes"))
        {
            ReadRoute(reader, section, index++, global, imported, routeTargets);
        }

        index = 0;
        foreach (var section in reader.Items(configuration, "Aggregates"))
        {
            ReadAggregate(reader, section, index++, imported, routeTargets);
        }

        return imported;
    }

    private sealed class Global
    {
        public string? Scheme { get; set; }

        public IConfigurationSection? LoadBalancer { get; set; }

        public string? LoadBalancerType { get; set; }

        public Handler? HttpHandler { get; set; }

        public string? HttpVersion { get; set; }

        public string? HttpVersionPolicy { get; set; }

        public Qos? Qos { get; set; }

        public string ClientIdHeader { get; set; } = "ClientId";
    }

    private static Global ReadGlobal(ImportReader reader, IConfigurationSection section)
    {
        reader.CheckKeys(section, "GlobalConfiguration", s_globalKeys);
        // BaseUrl is where Ocelot's own administration API and {BaseUrl} header placeholders point: neither exists in
        // EdgeKit (placeholders are refused where they appear), so it is read and has nothing to change.
        reader.String(section, "BaseUrl");
        reader.RefuseIfPresent(section, "RequestIdKey", s_refusedWhenSet["RequestIdKey"]);
        reader.RefuseIfPresent(section, "CacheOptions", "EdgeKit caches with its own HTTP caching policies (EdgeKit:Caching:Policies), which follow the backend's Cache-Control.");
        reader.RefuseIfPresent(section, "AuthenticationOptions", "give each route its AuthenticationOptions.");
        reader.RefuseIfPresent(section, "Timeout", s_refusedWhenSet["Timeout"]);
        var discovery = section.GetSection("ServiceDiscoveryProvider");
        if (discovery.GetChildren().Any(c => !string.IsNullOrEmpty(c.Value) && !(c.Key.Equals("Port", StringComparison.OrdinalIgnoreCase) && c.Value == "0")))
        {
            reader.Refuse(discovery, s_refusedWhenSet["ServiceName"]);
        }

        var limits = section.GetSection("RateLimitOptions");
        reader.CheckKeys(limits, "global RateLimitOptions", s_globalRateLimitKeys);
        if (reader.String(limits, "QuotaExceededMessage") is { Length: > 0 })
        {
            reader.Refuse(limits.GetSection("QuotaExceededMessage"), "EdgeKit answers a request over its limit with a problem+json body (RFC 9457, type quota-exceeded) and Retry-After, not a text of the configuration's.");
        }

        if (reader.Int(limits, "HttpStatusCode") is { } status && status != 429)
        {
            reader.Refuse(limits.GetSection("HttpStatusCode"), "EdgeKit answers a request over its limit 429 Too Many Requests (as HTTP specifies); only 429 is accepted.");
        }

        if (reader.Bool(limits, "DisableRateLimitHeaders") == true)
        {
            reader.Refuse(limits.GetSection("DisableRateLimitHeaders"), "EdgeKit's RateLimit and RateLimit-Policy headers are switched for every policy at once with EdgeKit:RateLimiting:EmitRateLimitHeaders; only false is accepted here.");
        }

        // Ocelot keeps its counters under this prefix in its cache: nothing to carry.
        reader.String(limits, "RateLimitCounterPrefix");
        string clientIdHeader = reader.String(limits, "ClientIdHeader") is { Length: > 0 } header ? header : "ClientId";
        var qos = section.GetSection("QoSOptions");
        var lb = section.GetSection("LoadBalancerOptions");
        return new Global
        {
            Scheme = reader.OneOf(section, "DownstreamScheme", "http", "https", "ws", "wss"),
            LoadBalancer = lb.Exists() ? lb : null,
            LoadBalancerType = lb.Exists() ? LoadBalancerType(reader, lb) : null,
            HttpHandler = section.GetSection("HttpHandlerOptions") is { } hh && hh.Exists() ? ReadHandler(reader, hh) : null,
            HttpVersion = reader.String(section, "DownstreamHttpVersion"),
            HttpVersionPolicy = reader.String(section, "DownstreamHttpVersionPolicy"),
            Qos = qos.Exists() ? ReadQos(reader, qos) : null,
            ClientIdHeader = clientIdHeader,
        };
    }

    private static void ReadRoute(ImportReader reader, IConfigurationSection section, int index, Global global, ImportedConfiguration imported, Dictionary<string, (string Cluster, string DownstreamPath)> targets)
    {
        reader.CheckKeys(section, "route", s_routeKeys);
        foreach (var (key, why) in s_refusedWhenSet)
        {
            var child = section.GetSection(key);
            if (child.Exists() && (child.Value is null || child.Value.Length > 0))
            {
                reader.Refuse(child, why);
            }
        }

        string id = reader.String(section, "Key") is { Length: > 0 } routeKey ? routeKey : $"route{index}";
        string cluster = $"ocelot-{id}";
        var route = new GatewayRouteOptions { Cluster = cluster };
        string? upstream = reader.String(section, "UpstreamPathTemplate");
        string? downstream = reader.String(section, "DownstreamPathTemplate");
        var catchAll = UpstreamTemplate(reader, section, upstream, route.Match);
        if (downstream is null)
        {
            reader.Errors.Add($"{section.Path}:DownstreamPathTemplate is required.");
        }
        else if (!downstream.StartsWith('/') || downstream.Contains('?', StringComparison.Ordinal))
        {
            reader.Errors.Add(downstream.Contains('?', StringComparison.Ordinal)
                ? $"{section.Path}:DownstreamPathTemplate is not supported by EdgeKit with a query ('{downstream}'): the client's query is forwarded as it is; use a QueryParameter transform in EdgeKit's configuration to add one."
                : $"{section.Path}:DownstreamPathTemplate: '{downstream}' must start with '/'.");
        }
        else
        {
            var unknown = Placeholder().Matches(downstream).Select(m => m.Groups[1].Value).Where(n => !catchAll.ContainsKey(n)).ToList();
            if (unknown.Count > 0)
            {
                reader.Errors.Add($"{section.Path}:DownstreamPathTemplate: '{downstream}' uses {string.Join(", ", unknown.Select(n => "{" + n + "}"))}, which UpstreamPathTemplate does not capture.");
            }
            else
            {
                string pattern = Placeholder().Replace(downstream, m => catchAll[m.Groups[1].Value] ? "{**" + m.Groups[1].Value + "}" : m.Value);
                route.Transforms.Add(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [TransformKeys.PathPattern] = pattern });
                targets[id] = (cluster, downstream);
            }
        }

        route.Match.Methods = reader.Strings(section, "UpstreamHttpMethod");
        if (reader.String(section, "UpstreamHost") is { Length: > 0 } host)
        {
            route.Match.Hosts.Add(host);
        }

        // Ocelot takes the route of highest priority; EdgeKit the lowest order. Ocelot gives its catch-all 0.
        int priority = reader.Int(section, "Priority") ?? (upstream is "/{everything}" or "/{url}" ? 0 : DefaultPriority);
        route.Order = -priority;
        if (reader.Bool(section, "RouteIsCaseSensitive") == true)
        {
            reader.Refuse(section.GetSection("RouteIsCaseSensitive"), "EdgeKit matches paths case-insensitively (ASP.NET routing); only false is accepted.");
        }

        ReadHeaderTransforms(reader, section, "UpstreamHeaderTransform", TransformKeys.RequestHeader, route);
        ReadHeaderTransforms(reader, section, "DownstreamHeaderTransform", TransformKeys.ResponseHeader, route);
        ReadAuthentication(reader, section, id, route, imported);
        ReadRateLimit(reader, section.GetSection("RateLimitOptions"), id, global, route, imported);
        var cache = section.GetSection("FileCacheOptions");
        reader.CheckKeys(cache, "FileCacheOptions", s_cacheKeys);
        if (reader.Int(cache, "TtlSeconds") is > 0)
        {
            reader.Refuse(cache.GetSection("TtlSeconds"), "Ocelot caches every answer for a fixed time whatever the backend says; EdgeKit caches by HTTP's rules (Cache-Control) with its own policies (EdgeKit:Caching:Policies, route key CachePolicy).");
        }

        var ownQos = section.GetSection("QoSOptions");
        var qos = ownQos.Exists() ? ReadQos(reader, ownQos) : global.Qos;
        var clusterOptions = ReadCluster(reader, section, global);
        if (qos is not null)
        {
            ApplyQos(qos, route, clusterOptions, imported);
        }

        imported.Clusters[cluster] = SourcePaths.Remember(clusterOptions, section.Path);
        if (!imported.Routes.TryAdd(id, SourcePaths.Remember(route, section.Path)))
        {
            reader.Errors.Add($"{section.Path}:Key: '{id}' is the key of another route too.");
        }
    }

    /// <summary>Turns Ocelot's upstream template into an ASP.NET route template: the last placeholder, at the end, takes the rest of the path (Ocelot's <c>{everything}</c>).</summary>
    /// <returns>The placeholders, each with whether it takes the rest of the path.</returns>
    private static Dictionary<string, bool> UpstreamTemplate(ImportReader reader, IConfigurationSection section, string? upstream, RouteMatchOptions match)
    {
        var placeholders = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        if (upstream is null)
        {
            reader.Errors.Add($"{section.Path}:UpstreamPathTemplate is required.");
            return placeholders;
        }

        if (!upstream.StartsWith('/') || upstream.Contains('?', StringComparison.Ordinal))
        {
            reader.Errors.Add(upstream.Contains('?', StringComparison.Ordinal)
                ? $"{section.Path}:UpstreamPathTemplate is not supported by EdgeKit with a query ('{upstream}'): routes match the path; match query parameters in EdgeKit's configuration (Match:QueryParameters)."
                : $"{section.Path}:UpstreamPathTemplate: '{upstream}' must start with '/'.");
            return placeholders;
        }

        var matches = Placeholder().Matches(upstream);
        var template = new StringBuilder(upstream);
        for (int i = matches.Count - 1; i >= 0; i--)
        {
            var m = matches[i];
            bool rest = i == matches.Count - 1 && m.Index + m.Length == upstream.Length && upstream[m.Index - 1] == '/';
            placeholders[m.Groups[1].Value] = rest;
            if (rest)
            {
                template.Remove(m.Index, m.Length).Insert(m.Index, "{**" + m.Groups[1].Value + "}");
            }
        }

        match.Path = template.ToString();
        reader.RouteTemplate(section.GetSection("UpstreamPathTemplate"), match.Path);
        return placeholders;
    }

    private static void ReadHeaderTransforms(ImportReader reader, IConfigurationSection route, string key, string kind, GatewayRouteOptions options)
    {
        foreach (var (name, value) in reader.Map(route, key))
        {
            if (value.Contains(", ", StringComparison.Ordinal) || value.Contains('{', StringComparison.Ordinal))
            {
                reader.Refuse(route.GetSection($"{key}:{name}"), $"EdgeKit sets a header to a fixed value; Ocelot's find-and-replace ('find, replace') and placeholders ('{{RemoteIpAddress}}'...) are not supported (the client's address is in X-Forwarded-For already).");
                continue;
            }

            options.Transforms.Add(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [kind] = name, [TransformKeys.Set] = value });
        }
    }

    private static void ReadAuthentication(ImportReader reader, IConfigurationSection route, string id, GatewayRouteOptions options, ImportedConfiguration imported)
    {
        var auth = route.GetSection("AuthenticationOptions");
        reader.CheckKeys(auth, "AuthenticationOptions", s_authenticationKeys);
        var schemes = reader.Strings(auth, "AuthenticationProviderKeys");
        if (reader.String(auth, "AuthenticationProviderKey") is { Length: > 0 } single)
        {
            schemes.Insert(0, single);
        }

        var scopes = reader.Strings(auth, "AllowedScopes");
        var claims = reader.Map(route, "RouteClaimsRequirement");
        if (scopes.Count > 1)
        {
            reader.Refuse(auth.GetSection("AllowedScopes"), "Ocelot accepts a caller with any one of several scopes, EdgeKit's policies require all of theirs; list one scope, or define the policy in EdgeKit:Authorization:Policies.");
        }

        if (schemes.Count == 0 && scopes.Count == 0 && claims.Count == 0)
        {
            return;
        }

        // Ocelot answers 401 without a valid identity from the route's schemes, then 403 when a scope or claim is missing.
        var policy = new EdgeKitAuthorizationPolicyOptions { AuthenticationSchemes = schemes };
        if (scopes.Count == 1)
        {
            policy.Scopes.Add(scopes[0]);
        }

        foreach (var (type, value) in claims)
        {
            policy.Claims[type] = [value];
        }

        string name = $"ocelot:{id}";
        imported.AuthorizationPolicies[name] = policy;
        options.AuthorizationPolicy = name;
    }

    /// <summary>
    /// Ocelot's route rate limiting becomes an EdgeKit rate-limit policy (<c>ocelot:&lt;id&gt;</c>): <c>Limit</c> requests per
    /// <c>Period</c> for each value of the global <c>ClientIdHeader</c> (Ocelot's <c>ClientId</c> by default), a token
    /// bucket that holds <c>Limit</c> and refills them over <c>Period</c>. A client's first <c>Limit</c> requests pass and
    /// the next is answered 429, as in Ocelot; what differs is in the importer's report.
    /// </summary>
    private static void ReadRateLimit(ImportReader reader, IConfigurationSection section, string id, Global global, GatewayRouteOptions route, ImportedConfiguration imported)
    {
        reader.CheckKeys(section, "RateLimitOptions", s_rateLimitKeys);
        bool enabled = reader.Bool(section, "EnableRateLimiting") ?? false;
        var whitelist = reader.Strings(section, "ClientWhitelist");
        var period = section.GetSection("Period");
        int? limit = reader.Int(section, "Limit");
        var ban = reader.Double(section, "PeriodTimespan");
        if (!enabled)
        {
            return;
        }

        if (whitelist.Count > 0)
        {
            reader.Refuse(section.GetSection("ClientWhitelist"), "an EdgeKit rate-limit policy has no clients it lets through unlimited; give those clients a route of their own without RateLimiterPolicy, or a policy with a higher limit.");
        }

        string text = period.Value ?? string.Empty;
        var window = OcelotPeriod(text);
        if (window is null)
        {
            reader.Errors.Add($"{period.Path}: '{period.Value}' is not an Ocelot period; write a number and a unit: ms, s, m, h or d (e.g. 1s, 5m, 1h, 1d).");
        }

        if (limit is null or <= 0)
        {
            reader.Errors.Add($"{section.Path}:Limit: a positive number of requests per Period is required with EnableRateLimiting.");
        }

        if (window is not { } w || limit is not { } permits || permits <= 0)
        {
            return;
        }

        string name = $"ocelot:{id}";
        imported.RateLimitPolicies[name] = new EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicyOptions
        {
            Limits = [new EdgeKit.Configuration.TokenBucketLimit(permits, w)],
            Partition = { Kind = EdgeKit.AspNetCore.RateLimiting.RateLimitPartitionKind.Header, Name = global.ClientIdHeader },
        };
        route.RateLimiterPolicy = name;
        imported.Notes.Add($"{section.Path}: carried as the EdgeKit rate-limit policy '{name}' ({permits} per {text} for each {global.ClientIdHeader} header value); " +
            $"it refills its {permits} requests gradually over {text} where Ocelot's fixed window refills them all at once at the window's end" +
            (ban is > 0 ? $", and after the limit a client waits for its next request (Retry-After), not PeriodTimespan ({ban} s) as Ocelot bans it" : string.Empty) +
            $"; requests without the {global.ClientIdHeader} header are counted by client IP address, where Ocelot counts them all together.");
    }

    /// <summary>Ocelot's period: a number and a unit (<c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>).</summary>
    private static TimeSpan? OcelotPeriod(string text)
    {
        var match = OcelotPeriodPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) || amount <= 0)
        {
            return null;
        }

        double seconds = match.Groups[2].Value switch { "ms" => amount / 1000, "s" => amount, "m" => amount * 60, "h" => amount * 3600, _ => amount * 86400 };
        return seconds >= 0.001 && seconds <= EdgeKit.Configuration.TokenBucketLimit.MaxWindow.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")]
    private static partial Regex OcelotPeriodPattern();

    /// <summary>Ocelot's quality of service of a route: a timeout and a circuit breaker (times in milliseconds).</summary>
    private sealed record Qos(string Path, int? TimeoutMs, int? ExceptionsAllowedBeforeBreaking, int? DurationOfBreakMs);

    private static Qos ReadQos(ImportReader reader, IConfigurationSection section)
    {
        reader.CheckKeys(section, "QoSOptions", s_qosKeys);
        // Polly v8's failure-ratio breaker (Ocelot 23+): EdgeKit's nearest, outlier detection's failure percentage, counts
        // per destination over an interval, not per route over a sampling window with a minimum throughput.
        foreach (var key in new[] { "BreakDuration", "MinimumThroughput", "FailureRatio", "SamplingDuration" })
        {
            var child = section.GetSection(key);
            if (!string.IsNullOrEmpty(child.Value) && child.Value != "0")
            {
                reader.Refuse(child, "Ocelot's failure-ratio circuit breaker (a share of failures over a sampling window, per route) has no EdgeKit counterpart; use ExceptionsAllowedBeforeBreaking and DurationOfBreak (consecutive failures), which EdgeKit carries as outlier detection.");
            }
        }

        int? timeout = reader.Int(section, "TimeoutValue");
        int? exceptions = reader.Int(section, "ExceptionsAllowedBeforeBreaking");
        int? duration = reader.Int(section, "DurationOfBreak");
        if (timeout < 0)
        {
            reader.Errors.Add($"{section.Path}:TimeoutValue: must be 0 (none) or a positive number of milliseconds, was {timeout}.");
        }

        if (exceptions < 0)
        {
            reader.Errors.Add($"{section.Path}:ExceptionsAllowedBeforeBreaking: must be 0 (no circuit breaker) or more, was {exceptions}.");
        }

        if (exceptions > 0 && duration is null or <= 0)
        {
            reader.Errors.Add($"{section.Path}:DurationOfBreak: a positive number of milliseconds is required with ExceptionsAllowedBeforeBreaking (how long the circuit stays open).");
        }

        return new Qos(section.Path, timeout > 0 ? timeout : null, exceptions > 0 ? exceptions : null, duration > 0 ? duration : null);
    }

    /// <summary>
    /// Ocelot's timeout becomes the route's Timeout (a timed-out request answers 504 where Ocelot answers 503). Its circuit
    /// breaker (Polly's consecutive-count breaker over transport errors, timeouts and 5xx answers: open after
    /// ExceptionsAllowedBeforeBreaking of them in a row, for DurationOfBreak) becomes outlier detection's consecutive-5xx
    /// rule, which counts the same failures, ejecting for a constant DurationOfBreak; every destination may be ejected, and
    /// with none left the route answers 503, as an open circuit does.
    /// </summary>
    private static void ApplyQos(Qos qos, GatewayRouteOptions route, ClusterOptions cluster, ImportedConfiguration imported)
    {
        if (qos.TimeoutMs is { } timeout)
        {
            route.Timeout = TimeSpan.FromMilliseconds(timeout);
            imported.Notes.Add($"{qos.Path}:TimeoutValue: carried as the route's Timeout ({timeout} ms); a request that times out answers 504 Gateway Timeout, where Ocelot answers 503.");
        }

        if (qos is { ExceptionsAllowedBeforeBreaking: { } failures, DurationOfBreakMs: { } breakMs })
        {
            var outliers = cluster.Health.OutlierDetection;
            outliers.Enabled = true;
            outliers.Consecutive5xx = failures;
            outliers.ConsecutiveGatewayFailures = 0;
            outliers.SuccessRateEnabled = false;
            outliers.FailurePercentageEnabled = false;
            outliers.BaseEjectionTime = TimeSpan.FromMilliseconds(breakMs);
            outliers.MaxEjectionTime = outliers.BaseEjectionTime;
            outliers.MaxEjectionPercent = 100;
            imported.Notes.Add($"{qos.Path}:ExceptionsAllowedBeforeBreaking/DurationOfBreak: carried as outlier detection (Consecutive5xx {failures}, ejection {breakMs} ms); it counts per destination where Ocelot's circuit is per route (the same with one host), and after the break a destination needs {failures} new failures to be ejected again where Ocelot's half-open circuit reopens on the first.");
        }
    }

    private static ClusterOptions ReadCluster(ImportReader reader, IConfigurationSection route, Global global)
    {
        var cluster = new ClusterOptions();
        // Ocelot has neither outlier detection nor panic routing.
        cluster.Health.OutlierDetection.Enabled = false;
        cluster.Health.PanicThreshold = 0;
        string scheme = reader.OneOf(route, "DownstreamScheme", "http", "https", "ws", "wss") ?? global.Scheme ?? "http";
        scheme = scheme switch { "ws" => "http", "wss" => "https", _ => scheme };
        var hosts = new List<string>();
        foreach (var item in reader.Items(route, "DownstreamHostAndPorts"))
        {
            reader.CheckKeys(item, "DownstreamHostAndPorts", s_hostKeys);
            string? host = reader.String(item, "Host");
            int? port = reader.Int(item, "Port");
            if (string.IsNullOrWhiteSpace(host))
            {
                reader.Errors.Add($"{item.Path}:Host is required.");
                continue;
            }

            hosts.Add(port is { } p ? $"{scheme}://{host}:{p.ToString(CultureInfo.InvariantCulture)}" : $"{scheme}://{host}");
        }

        if (hosts.Count == 0 && !route.GetSection("ServiceName").Exists())
        {
            reader.Errors.Add($"{route.Path}:DownstreamHostAndPorts: needs at least one Host.");
        }

        var ownLb = route.GetSection("LoadBalancerOptions");
        var lb = ownLb.Exists() ? ownLb : global.LoadBalancer;
        string type = (ownLb.Exists() ? LoadBalancerType(reader, ownLb) : global.LoadBalancerType) ?? "NoLoadBalancer";
        switch (type)
        {
            case "NoLoadBalancer":
                // Ocelot's NoLoadBalancer always takes the first host.
                hosts = hosts.Take(1).ToList();
                break;
            case "RoundRobin":
                cluster.LoadBalancing.Strategy = LoadBalancingStrategyNames.RoundRobin;
                break;
            case "LeastConnection":
                cluster.LoadBalancing.Strategy = LoadBalancingStrategyNames.LeastRequests;
                break;
            case "CookieStickySessions":
                // The cookie (set by the backend) keeps a client on the host it first reached; hosts are taken in turn
                // for a new cookie; a cookie unused for Expiry milliseconds is forgotten.
                cluster.LoadBalancing.Strategy = LoadBalancingStrategyNames.SessionAffinity;
                cluster.LoadBalancing.SessionAffinity.FallbackStrategy = LoadBalancingStrategyNames.RoundRobin;
                cluster.LoadBalancing.RequestKey.Cookie = reader.String(lb!, "Key");
                if (string.IsNullOrWhiteSpace(cluster.LoadBalancing.RequestKey.Cookie))
                {
                    reader.Errors.Add($"{lb!.Path}:Key is required with CookieStickySessions: the cookie's name.");
                }

                if (reader.Int(lb!, "Expiry") is { } expiry)
                {
                    if (expiry <= 0)
                    {
                        reader.Errors.Add($"{lb!.Path}:Expiry: must be a positive number of milliseconds, was {expiry}.");
                    }
                    else
                    {
                        cluster.LoadBalancing.SessionAffinity.IdleTimeout = TimeSpan.FromMilliseconds(expiry);
                    }
                }

                break;
        }

        foreach (var address in hosts)
        {
            cluster.Destinations[new Uri(address).Authority] = new DestinationOptions { Address = address };
        }

        cluster.HttpClient.DangerousAcceptAnyServerCertificate = reader.Bool(route, "DangerousAcceptAnyServerCertificateValidator") ?? false;
        // Ocelot asks for HTTP/1.1 unless told otherwise.
        string version = reader.String(route, "DownstreamHttpVersion") ?? global.HttpVersion ?? "1.1";
        cluster.HttpClient.RequestVersion = version;
        if (cluster.HttpClient.ParseRequestVersion() is null)
        {
            reader.Errors.Add($"{route.Path}:DownstreamHttpVersion: '{version}' is not an HTTP version (1.0, 1.1, 2.0 or 3.0).");
        }

        if ((reader.String(route, "DownstreamHttpVersionPolicy") ?? global.HttpVersionPolicy) is { } policy)
        {
            if (Enum.TryParse<HttpVersionPolicy>(policy, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(policy, out _))
            {
                cluster.HttpClient.VersionPolicy = parsed;
            }
            else
            {
                reader.Errors.Add($"{route.Path}:DownstreamHttpVersionPolicy: '{policy}' is not one of RequestVersionOrLower, RequestVersionOrHigher, RequestVersionExact.");
            }
        }

        var ownHandler = route.GetSection("HttpHandlerOptions");
        if ((ownHandler.Exists() ? ReadHandler(reader, ownHandler) : global.HttpHandler) is { } handler)
        {
            cluster.HttpClient.MaxConnectionsPerServer = handler.MaxConnectionsPerServer;
            if (handler.PooledConnectionLifetime is { } lifetime)
            {
                cluster.HttpClient.PooledConnectionLifetime = lifetime;
            }
        }

        return cluster;
    }

    private static string? LoadBalancerType(ImportReader reader, IConfigurationSection lb)
    {
        reader.CheckKeys(lb, "LoadBalancerOptions", s_loadBalancerKeys);
        return reader.OneOf(lb, "Type", "NoLoadBalancer", "RoundRobin", "LeastConnection", "CookieStickySessions");
    }

    private sealed record Handler(int? MaxConnectionsPerServer, TimeSpan? PooledConnectionLifetime);

    private static Handler ReadHandler(ImportReader reader, IConfigurationSection handler)
    {
        reader.CheckKeys(handler, "HttpHandlerOptions", s_handlerKeys);
        RefuseTrue(reader, handler, "AllowAutoRedirect", "EdgeKit passes redirects to the client as the backend sent them.");
        RefuseTrue(reader, handler, "UseCookieContainer", "EdgeKit keeps no cookies between requests: cookies travel between client and backend.");
        RefuseTrue(reader, handler, "UseTracing", "EdgeKit traces every request through its ActivitySource 'EdgeKit' (see docs/telemetry.md); there is nothing to switch on per route.");
        RefuseTrue(reader, handler, "UseProxy", "EdgeKit connects to destinations directly; it does not send through an outbound HTTP proxy. Set UseProxy to false.");
        int? max = reader.Int(handler, "MaxConnectionsPerServer");
        var seconds = reader.Int(handler, "PooledConnectionLifetimeSeconds");
        return new Handler(max is int.MaxValue ? null : max, seconds is { } s ? TimeSpan.FromSeconds(s) : null);
    }

    private static void RefuseTrue(ImportReader reader, IConfigurationSection section, string key, string why)
    {
        if (reader.Bool(section, key) == true)
        {
            reader.Refuse(section.GetSection(key), why);
        }
    }

    private static void ReadAggregate(ImportReader reader, IConfigurationSection section, int index, ImportedConfiguration imported, Dictionary<string, (string Cluster, string DownstreamPath)> targets)
    {
        reader.CheckKeys(section, "aggregate", s_aggregateKeys);
        reader.RefuseIfPresent(section, "Aggregator", "Ocelot's custom aggregators are code; EdgeKit combines legs by its own rules (docs/aggregation.md).");
        reader.RefuseIfPresent(section, "RouteKeysConfig", "EdgeKit passes values between legs with {leg.path} placeholders in EdgeKit's own aggregate configuration (docs/aggregation.md).");
        string name = $"ocelot-aggregate{index}";
        var aggregate = new AggregateOptions();
        foreach (var key in reader.Strings(section, "RouteKeys"))
        {
            if (!targets.TryGetValue(key, out var target))
            {
                reader.Errors.Add($"{section.Path}:RouteKeys: '{key}' is not the Key of a route.");
                continue;
            }

            // Ocelot writes each route's response under its key and leaves out a route that fails.
            aggregate.Legs.Add(new AggregateLegOptions { Name = key, Cluster = target.Cluster, Path = target.DownstreamPath, Required = false });
        }

        if (aggregate.Legs.Count == 0)
        {
            reader.Errors.Add($"{section.Path}:RouteKeys: needs at least one route key.");
        }

        var route = new GatewayRouteOptions { Aggregate = name, Match = { Methods = ["GET"] } };
        UpstreamTemplate(reader, section, reader.String(section, "UpstreamPathTemplate"), route.Match);
        if (reader.String(section, "UpstreamHost") is { Length: > 0 } host)
        {
            route.Match.Hosts.Add(host);
        }

        route.Order = -(reader.Int(section, "Priority") ?? DefaultPriority);
        if (reader.Bool(section, "RouteIsCaseSensitive") == true)
        {
            reader.Refuse(section.GetSection("RouteIsCaseSensitive"), "EdgeKit matches paths case-insensitively (ASP.NET routing); only false is accepted.");
        }

        reader.Strings(section, "UpstreamHttpMethod");
        imported.Aggregates[name] = aggregate;
        imported.Routes[name] = SourcePaths.Remember(route, section.Path);
    }
}
