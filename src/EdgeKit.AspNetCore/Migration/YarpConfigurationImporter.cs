using System.Net.Http;
using System.Security.Authentication;
using EdgeKit.AspNetCore.Affinity;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Migration;

/// <summary>
/// Reads YARP's <c>ReverseProxy</c> section (<c>Routes</c> and <c>Clusters</c>, as YARP's configuration provider reads
/// them) into EdgeKit routes and clusters with the same routing. Every key is either mapped or refused with why; see
/// docs/migrating-from-yarp.md for the table.
/// </summary>
internal static class YarpConfigurationImporter
{
    private const string Dialect = "YARP";

    /// <summary>YARP's default active probe interval and timeout (ActiveHealthCheckMonitorOptions).</summary>
    private static readonly TimeSpan s_probeInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>YARP's default consecutive failures threshold of the ConsecutiveFailures active policy.</summary>
    private const int DefaultFailureThreshold = 2;

    private const string ThresholdMetadata = "ConsecutiveFailuresHealthPolicy.Threshold";

    /// <summary>
    /// A panic threshold above 0 and below any share one healthy destination can have (1 of 100,000 is 0.001%): the
    /// cluster panics, and routes to every destination, only when none is healthy: YARP's HealthyOrPanic.
    /// </summary>
    private const double PanicOnlyWhenNoneHealthy = 0.0000001;

    private static readonly string[] s_rootKeys = ["Routes", "Clusters"];
    private static readonly string[] s_routeKeys =
        ["ClusterId", "Match", "Order", "AuthorizationPolicy", "RateLimiterPolicy", "CorsPolicy", "Timeout", "TimeoutPolicy", "MaxRequestBodySize", "Metadata", "Transforms"];

    private static readonly Dictionary<string, string> s_routeRefused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["OutputCachePolicy"] = "EdgeKit caches with its own HTTP caching policies rather than ASP.NET output caching; define one under EdgeKit:Caching:Policies and name it in the route's CachePolicy.",
    };

    private static readonly string[] s_matchKeys = ["Path", "Hosts", "Methods", "Headers", "QueryParameters"];
    private static readonly string[] s_valueMatchKeys = ["Name", "Values", "Mode", "IsCaseSensitive"];
    private static readonly string[] s_clusterKeys = ["LoadBalancingPolicy", "SessionAffinity", "HealthCheck", "HttpClient", "HttpRequest", "Destinations", "Metadata"];
    private static readonly string[] s_affinityKeys = ["Enabled", "Policy", "FailurePolicy", "AffinityKeyName", "Cookie"];
    private static readonly string[] s_cookieKeys = ["Domain", "Expiration", "HttpOnly", "IsEssential", "MaxAge", "Path", "SameSite", "SecurePolicy"];
    private static readonly string[] s_healthKeys = ["Active", "Passive", "AvailableDestinationsPolicy"];
    private static readonly string[] s_activeKeys = ["Enabled", "Interval", "Timeout", "Policy", "Path", "Query"];
    private static readonly string[] s_passiveKeys = ["Enabled", "Policy", "ReactivationPeriod"];
    private static readonly string[] s_httpClientKeys = ["SslProtocols", "DangerousAcceptAnyServerCertificate", "MaxConnectionsPerServer", "EnableMultipleHttp2Connections"];

    private static readonly Dictionary<string, string> s_httpClientRefused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["WebProxy"] = "EdgeKit connects to destinations directly; it does not send through an outbound HTTP proxy.",
        ["RequestHeaderEncoding"] = "EdgeKit sends request headers as ASCII/Latin-1 as the HTTP specification asks; another encoding is not configurable.",
        ["ResponseHeaderEncoding"] = "EdgeKit reads response headers as ASCII/Latin-1 as the HTTP specification asks; another encoding is not configurable.",
    };

    private static readonly string[] s_httpRequestKeys = ["ActivityTimeout", "Version", "VersionPolicy", "AllowResponseBuffering"];
    private static readonly string[] s_destinationKeys = ["Address", "Health", "Metadata"];

    private static readonly Dictionary<string, string> s_destinationRefused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Host"] = "EdgeKit sends the destination address's own host (or the client's with the RequestHeaderOriginalHost transform); a fixed Host per destination is not supported.",
    };

    /// <summary>YARP transform keys and the settings each takes, for those EdgeKit has (the same keys unless renamed in <see cref="s_transformRenames"/>).</summary>
    private static readonly Dictionary<string, string[]> s_transforms = new(StringComparer.OrdinalIgnoreCase)
    {
        [TransformKeys.PathPrefix] = [],
        [TransformKeys.PathRemovePrefix] = [],
        [TransformKeys.PathSet] = [],
        [TransformKeys.PathPattern] = [],
        ["QueryValueParameter"] = [TransformKeys.Set, TransformKeys.Append],
        [TransformKeys.QueryRemoveParameter] = [],
        [TransformKeys.HttpMethodChange] = [TransformKeys.Set],
        ["RequestHeadersCopy"] = [],
        [TransformKeys.RequestHeaderOriginalHost] = [],
        [TransformKeys.RequestHeader] = [TransformKeys.Set, TransformKeys.Append],
        [TransformKeys.RequestHeaderRemove] = [],
        [TransformKeys.XForwarded] = [TransformKeys.For, TransformKeys.Proto, TransformKeys.Host, TransformKeys.Prefix, TransformKeys.HeaderPrefix],
        [TransformKeys.Forwarded] = [TransformKeys.Action, TransformKeys.ForFormat, TransformKeys.ByFormat],
        ["ResponseHeadersCopy"] = [],
        [TransformKeys.ResponseHeader] = [TransformKeys.Set, TransformKeys.Append, TransformKeys.When],
        [TransformKeys.ResponseHeaderRemove] = [TransformKeys.When],
    };

    private static readonly Dictionary<string, string> s_transformRenames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["QueryValueParameter"] = TransformKeys.QueryParameter,
    };

    private static readonly Dictionary<string, string> s_transformsRefused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["QueryRouteParameter"] = "EdgeKit's QueryParameter transform sets a fixed value, not a route value; capture the value in the path and rebuild it with PathPattern instead.",
        ["RequestHeaderRouteValue"] = "EdgeKit's RequestHeader transform sets a fixed value, not a route value.",
        ["RequestHeadersAllowed"] = "EdgeKit forwards every request header except hop-by-hop ones; remove headers one by one with RequestHeaderRemove.",
        ["ResponseHeadersAllowed"] = "EdgeKit forwards every response header except hop-by-hop ones; remove headers one by one with ResponseHeaderRemove.",
        ["ClientCert"] = "EdgeKit does not forward the client's TLS certificate in a request header.",
        ["ResponseTrailersCopy"] = "EdgeKit always copies response trailers; there is no setting to stop it.",
        ["ResponseTrailer"] = "EdgeKit has no transforms for response trailers.",
        ["ResponseTrailerRemove"] = "EdgeKit has no transforms for response trailers.",
        ["ResponseTrailersAllowed"] = "EdgeKit has no transforms for response trailers.",
    };

    /// <summary>Reads <paramref name="section"/> (YARP's <c>ReverseProxy</c>).</summary>
    public static ImportedConfiguration Import(IConfiguration section)
    {
        var imported = new ImportedConfiguration();
        var reader = new ImportReader(Dialect, imported.Errors);
        reader.CheckKeys(section, "ReverseProxy", s_rootKeys);
        var activityTimeouts = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in section.GetSection("Clusters").GetChildren())
        {
            var options = ReadCluster(reader, cluster, imported, out var activityTimeout);
            imported.Clusters[cluster.Key] = SourcePaths.Remember(options, cluster.Path);
            if (activityTimeout is { } timeout)
            {
                activityTimeouts[cluster.Key] = timeout;
            }
        }

        foreach (var route in section.GetSection("Routes").GetChildren())
        {
            if (ReadRoute(reader, route, imported, activityTimeouts) is { } options)
            {
                imported.Routes[route.Key] = SourcePaths.Remember(options, route.Path);
            }
        }

        return imported;
    }

    private static GatewayRouteOptions? ReadRoute(ImportReader reader, IConfigurationSection section, ImportedConfiguration imported, Dictionary<string, TimeSpan> activityTimeouts)
    {
        reader.CheckKeys(section, "route", s_routeKeys, s_routeRefused);
        var route = new GatewayRouteOptions();
        route.Cluster = reader.String(section, "ClusterId");
        if (string.IsNullOrWhiteSpace(route.Cluster))
        {
            reader.Errors.Add($"{section.Path}:ClusterId is required: EdgeKit forwards every route to a cluster.");
        }
        else if (!imported.Clusters.ContainsKey(route.Cluster))
        {
            reader.Errors.Add($"{section.Path}:ClusterId: '{route.Cluster}' is not one of the clusters of this configuration ({(imported.Clusters.Count == 0 ? "there are none" : string.Join(", ", imported.Clusters.Keys))}).");
        }

        ReadMatch(reader, section.GetSection("Match"), route.Match);
        route.Order = reader.Int(section, "Order") ?? 0;
        route.AuthorizationPolicy = reader.String(section, "AuthorizationPolicy");
        // YARP's "Default" rate limiter and timeout policies mean "none named": the app's global limiter or timeout applies.
        route.RateLimiterPolicy = reader.String(section, "RateLimiterPolicy") is { } limiter && !limiter.Equals("Default", StringComparison.OrdinalIgnoreCase) ? limiter : null;
        route.CorsPolicy = reader.String(section, "CorsPolicy");
        if (reader.String(section, "TimeoutPolicy") is { } timeoutPolicy && !timeoutPolicy.Equals("Default", StringComparison.OrdinalIgnoreCase))
        {
            reader.Refuse(section.GetSection("TimeoutPolicy"), "EdgeKit does not use ASP.NET's request timeout policies; give the route's time in Timeout (hh:mm:ss) instead.");
        }

        var timeout = reader.Time(section, "Timeout");
        if (timeout == TimeSpan.Zero)
        {
            reader.Errors.Add($"{section.Path}:Timeout: must be positive.");
        }

        // YARP cancels a request that shows no activity for the cluster's ActivityTimeout; EdgeKit's route Timeout is
        // that same activity timeout, so the route takes the shorter of its own request timeout and its cluster's.
        if (route.Cluster is not null && activityTimeouts.TryGetValue(route.Cluster, out var activity))
        {
            timeout = timeout is { } t && t < activity ? t : activity;
        }

        route.Timeout = timeout;
        if (reader.Long(section, "MaxRequestBodySize") is { } maxBody)
        {
            if (maxBody < 0)
            {
                reader.Refuse(section.GetSection("MaxRequestBodySize"), "EdgeKit cannot lift the server's request body limit per route; raise Kestrel's Limits.MaxRequestBodySize instead.");
            }
            else
            {
                route.MaxRequestBodySize = maxBody;
            }
        }

        foreach (var (key, value) in reader.Map(section, "Metadata"))
        {
            route.Metadata[key] = value;
        }

        ReadTransforms(reader, section, route);
        return route;
    }

    private static void ReadMatch(ImportReader reader, IConfigurationSection section, RouteMatchOptions match)
    {
        reader.CheckKeys(section, "route match", s_matchKeys);
        match.Path = reader.String(section, "Path");
        match.Hosts = reader.Strings(section, "Hosts");
        match.Methods = reader.Strings(section, "Methods");
        if (match.Path is null && match.Hosts.Count == 0)
        {
            reader.Errors.Add($"{section.Path}: needs a Path or Hosts (as YARP requires).");
        }
        else if (match.Path is not null)
        {
            reader.RouteTemplate(section.GetSection("Path"), match.Path);
        }

        foreach (var header in reader.Items(section, "Headers"))
        {
            reader.CheckKeys(header, "header match", s_valueMatchKeys);
            var mode = reader.OneOf(header, "Mode", "ExactHeader", "HeaderPrefix", "Contains", "NotContains", "Exists", "NotExists");
            match.Headers.Add(new RouteHeaderMatch
            {
                Name = reader.String(header, "Name"),
                Values = reader.Strings(header, "Values"),
                IsCaseSensitive = reader.Bool(header, "IsCaseSensitive") ?? false,
                Mode = ValueMode(reader, header, mode switch
                {
                    "HeaderPrefix" => "Prefix",
                    null or "ExactHeader" => "Exact",
                    _ => mode,
                }),
            });
        }

        foreach (var query in reader.Items(section, "QueryParameters"))
        {
            reader.CheckKeys(query, "query parameter match", s_valueMatchKeys);
            var mode = reader.OneOf(query, "Mode", "Exact", "Prefix", "Contains", "NotContains", "Exists");
            match.QueryParameters.Add(new RouteQueryMatch
            {
                Name = reader.String(query, "Name"),
                Values = reader.Strings(query, "Values"),
                IsCaseSensitive = reader.Bool(query, "IsCaseSensitive") ?? false,
                Mode = ValueMode(reader, query, mode ?? "Exact"),
            });
        }
    }

    private static RouteValueMatchMode ValueMode(ImportReader reader, IConfigurationSection section, string mode)
    {
        // YARP's rules: a name always; values for every mode but Exists and NotExists, and none for those two.
        if (string.IsNullOrWhiteSpace(section["Name"]))
        {
            reader.Errors.Add($"{section.Path}:Name is required.");
        }

        bool hasValues = section.GetSection("Values").Exists();
        if (mode is "Exists" or "NotExists" ? hasValues : !hasValues)
        {
            reader.Errors.Add(hasValues
                ? $"{section.Path}:Values: must not be given with Mode {mode}."
                : $"{section.Path}:Values: at least one value is required with Mode {mode}.");
        }

        if (mode == "NotContains")
        {
            reader.Refuse(section.GetSection("Mode"), "EdgeKit has no NotContains match; match the values to exclude with Contains on a route with a lower Order that answers them instead.");
            return RouteValueMatchMode.Exact;
        }

        return Enum.Parse<RouteValueMatchMode>(mode);
    }

    private static void ReadTransforms(ImportReader reader, IConfigurationSection route, GatewayRouteOptions options)
    {
        bool hasXForwarded = false;
        bool hasForwarded = false;
        int first = reader.Errors.Count;
        foreach (var item in reader.Items(route, "Transforms"))
        {
            var entry = reader.Map(route, $"Transforms:{item.Key}");
            var kinds = entry.Keys.Where(k => s_transforms.ContainsKey(k) || s_transformsRefused.ContainsKey(k)).ToList();
            if (kinds.Count != 1)
            {
                reader.Errors.Add(kinds.Count == 0
                    ? $"{item.Path}: is not a YARP transform ({string.Join(", ", entry.Keys)}); EdgeKit reads {string.Join(", ", s_transforms.Keys)}."
                    : $"{item.Path}: names several transforms ({string.Join(", ", kinds)}); give each its own entry.");
                continue;
            }

            string kind = kinds[0];
            if (s_transformsRefused.TryGetValue(kind, out var why))
            {
                reader.Refuse(item.GetSection(kind), why);
                continue;
            }

            kind = s_transforms.Keys.First(k => k.Equals(kind, StringComparison.OrdinalIgnoreCase));
            var settings = s_transforms[kind];
            foreach (var key in entry.Keys.Where(k => !k.Equals(kind, StringComparison.OrdinalIgnoreCase) && !settings.Contains(k, StringComparer.OrdinalIgnoreCase)))
            {
                reader.Errors.Add(ImportReader.Suggest(key, settings) is { } meant
                    ? $"{item.Path}:{key} is not a setting of YARP's {kind} transform; did you mean {meant}?"
                    : $"{item.Path}:{key} is not a setting of YARP's {kind} transform{(settings.Length == 0 ? " (it takes none)" : "; its settings are " + string.Join(", ", settings))}.");
            }

            hasXForwarded |= kind == TransformKeys.XForwarded;
            hasForwarded |= kind == TransformKeys.Forwarded;
            if (kind is "RequestHeadersCopy" or "ResponseHeadersCopy")
            {
                // Copying every header is what EdgeKit does; turning it off is not supported.
                if (!bool.TryParse(entry[kind], out bool copy) || !copy)
                {
                    reader.Refuse(item.GetSection(kind), $"EdgeKit always copies {(kind.StartsWith("Request", StringComparison.Ordinal) ? "request" : "response")} headers (except hop-by-hop ones); only 'true' is accepted. Remove headers one by one instead.");
                }

                continue;
            }

            var mapped = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in entry)
            {
                mapped[key.Equals(kind, StringComparison.OrdinalIgnoreCase) ? s_transformRenames.GetValueOrDefault(kind, kind) : key] = value;
            }

            options.Transforms.Add(mapped);
        }

        // YARP disables its default X-Forwarded-* headers on a route that has a Forwarded transform and no X-Forwarded
        // one; the client's X-Forwarded-* then pass through as sent, which is EdgeKit's "Off".
        if (hasForwarded && !hasXForwarded)
        {
            options.Transforms.Add(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [TransformKeys.XForwarded] = nameof(ForwardedHeaderAction.Off) });
        }

        if (reader.Errors.Count == first && options.Transforms.Count > 0)
        {
            // EdgeKit's transform builder checks each entry's values; its messages name EdgeKit's path, put YARP's in.
            var transformErrors = new List<string>();
            string routeId = route.Key;
            new RouteTransformBuilder([]).Build(routeId, options, RouteTransformDefaults.None, transformErrors);
            string edgeKitPath = $"EdgeKit:Routes:{routeId}:Transforms";
            reader.Errors.AddRange(transformErrors.Select(e => e.Replace(edgeKitPath, route.Path + ":Transforms", StringComparison.Ordinal)));
        }
    }

    private static ClusterOptions ReadCluster(ImportReader reader, IConfigurationSection section, ImportedConfiguration imported, out TimeSpan? activityTimeout)
    {
        reader.CheckKeys(section, "cluster", s_clusterKeys);
        var cluster = new ClusterOptions();
        cluster.LoadBalancing.Strategy = reader.OneOf(section, "LoadBalancingPolicy", "PowerOfTwoChoices", "RoundRobin", "Random", "LeastRequests", "FirstAlphabetical") switch
        {
            "RoundRobin" => LoadBalancingStrategyNames.RoundRobin,
            "Random" => LoadBalancingStrategyNames.Random,
            "LeastRequests" => LoadBalancingStrategyNames.LeastRequests,
            "FirstAlphabetical" => Refused(reader, section.GetSection("LoadBalancingPolicy"), "EdgeKit has no strategy that always picks the first destination by name; list only that destination, or pick another policy."),
            _ => LoadBalancingStrategyNames.PowerOfTwoChoices,
        };

        // YARP has no passive health unless it is enabled (EdgeKit's outlier detection is on by default), and with
        // HealthyAndUnknown (its default) it never routes to unhealthy destinations (EdgeKit panics below 50% by default).
        cluster.Health.OutlierDetection.Enabled = false;
        cluster.Health.PanicThreshold = 0;
        var health = section.GetSection("HealthCheck");
        reader.CheckKeys(health, "health check", s_healthKeys);
        if (reader.OneOf(health, "AvailableDestinationsPolicy", "HealthyAndUnknown", "HealthyOrPanic") == "HealthyOrPanic")
        {
            cluster.Health.PanicThreshold = PanicOnlyWhenNoneHealthy;
        }

        var metadata = reader.Map(section, "Metadata");
        int threshold = DefaultFailureThreshold;
        foreach (var (key, value) in metadata)
        {
            if (key.Equals(ThresholdMetadata, StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out threshold) || threshold < 1)
                {
                    reader.Errors.Add($"{section.Path}:Metadata:{key}: '{value}' is not a whole number of at least 1.");
                }
            }
            else
            {
                reader.Refuse(section.GetSection($"Metadata:{key}"), $"EdgeKit clusters carry no metadata; of YARP's cluster metadata only {ThresholdMetadata} is read.");
            }
        }

        ReadActiveHealth(reader, health.GetSection("Active"), cluster, threshold);
        var passive = health.GetSection("Passive");
        reader.CheckKeys(passive, "passive health check", s_passiveKeys);
        if (reader.Bool(passive, "Enabled") == true)
        {
            reader.Refuse(passive.GetSection("Enabled"), "EdgeKit's passive health is outlier detection (consecutive failures, success rate, failure percentage; see docs/outlier-detection.md), not YARP's transport failure rate; set Enabled to false and configure EdgeKit:Clusters:<name>:Health:OutlierDetection instead.");
        }

        ReadAffinity(reader, section.GetSection("SessionAffinity"), section.Key, imported);
        ReadHttpClient(reader, section.GetSection("HttpClient"), cluster.HttpClient);
        var request = section.GetSection("HttpRequest");
        reader.CheckKeys(request, "HttpRequest", s_httpRequestKeys);
        activityTimeout = reader.Time(request, "ActivityTimeout");
        if (activityTimeout == TimeSpan.Zero)
        {
            reader.Errors.Add($"{request.Path}:ActivityTimeout: must be positive.");
        }

        if (reader.String(request, "Version") is { } version)
        {
            cluster.HttpClient.RequestVersion = version;
            if (cluster.HttpClient.ParseRequestVersion() is null)
            {
                reader.Errors.Add($"{request.Path}:Version: '{version}' is not an HTTP version (1.0, 1.1, 2 or 3).");
            }
        }

        if (reader.OneOf(request, "VersionPolicy", nameof(HttpVersionPolicy.RequestVersionOrLower), nameof(HttpVersionPolicy.RequestVersionOrHigher), nameof(HttpVersionPolicy.RequestVersionExact)) is { } policy)
        {
            cluster.HttpClient.VersionPolicy = Enum.Parse<HttpVersionPolicy>(policy);
        }

        if (reader.Bool(request, "AllowResponseBuffering") == true)
        {
            reader.Refuse(request.GetSection("AllowResponseBuffering"), "EdgeKit always streams responses to the client as they arrive; only false is accepted.");
        }

        foreach (var destination in section.GetSection("Destinations").GetChildren())
        {
            reader.CheckKeys(destination, "destination", s_destinationKeys, s_destinationRefused);
            var options = new DestinationOptions
            {
                Address = reader.String(destination, "Address"),
                HealthAddress = reader.String(destination, "Health"),
            };
            if (string.IsNullOrWhiteSpace(options.Address))
            {
                reader.Errors.Add($"{destination.Path}:Address is required.");
            }

            foreach (var (key, value) in reader.Map(destination, "Metadata"))
            {
                options.Metadata[key] = value;
            }

            cluster.Destinations[destination.Key] = options;
        }

        return cluster;
    }

    private static string Refused(ImportReader reader, IConfigurationSection key, string why)
    {
        reader.Refuse(key, why);
        return LoadBalancingStrategyNames.Default;
    }

    private static void ReadActiveHealth(ImportReader reader, IConfigurationSection section, ClusterOptions cluster, int threshold)
    {
        reader.CheckKeys(section, "active health check", s_activeKeys);
        var active = cluster.Health.Active;
        // YARP's ConsecutiveFailures policy: 2xx is healthy, the first success makes a destination healthy, Threshold
        // consecutive failures make it unhealthy; probes every 15 s with a 10 s timeout.
        active.Enabled = reader.Bool(section, "Enabled") ?? false;
        active.Interval = reader.Time(section, "Interval") ?? s_probeInterval;
        active.Timeout = reader.Time(section, "Timeout") ?? s_probeTimeout;
        active.HealthyStatuses = "200-299";
        active.HealthyThreshold = 1;
        active.UnhealthyThreshold = threshold;
        reader.OneOf(section, "Policy", "ConsecutiveFailures");
        string path = reader.String(section, "Path") ?? "/";
        if (!path.StartsWith('/'))
        {
            path = "/" + path;
        }

        if (reader.String(section, "Query") is { Length: > 0 } query)
        {
            if (query[0] != '?')
            {
                reader.Errors.Add($"{section.Path}:Query: '{query}' must start with '?'.");
            }

            path += query;
        }

        active.Path = path;
        if (active.Enabled && active.Timeout > active.Interval)
        {
            // EdgeKit starts one probe per interval and needs each to end before the next; YARP would cut it at the interval too.
            active.Timeout = active.Interval;
        }
    }

    private static void ReadAffinity(ImportReader reader, IConfigurationSection section, string clusterName, ImportedConfiguration imported)
    {
        reader.CheckKeys(section, "session affinity", s_affinityKeys);
        if (!section.Exists())
        {
            return;
        }

        var policy = reader.OneOf(section, "Policy", "HashCookie", "ArrCookie", "Cookie", "CustomHeader");
        var failure = reader.OneOf(section, "FailurePolicy", "Redistribute", "Return503Error");
        var name = reader.String(section, "AffinityKeyName");
        var cookie = section.GetSection("Cookie");
        reader.CheckKeys(cookie, "affinity cookie", s_cookieKeys);
        var options = new Affinity.SessionAffinityOptions
        {
            Mode = policy == "CustomHeader" ? SessionAffinityMode.Header : SessionAffinityMode.Cookie,
            Name = name,
            FailurePolicy = failure == "Return503Error" ? SessionAffinityFailurePolicy.Return503 : SessionAffinityFailurePolicy.Redistribute,
            CookieDomain = reader.String(cookie, "Domain"),
            CookieLifetime = reader.Time(cookie, "MaxAge") ?? reader.Time(cookie, "Expiration"),
        };
        if (string.IsNullOrWhiteSpace(name))
        {
            reader.Errors.Add($"{section.Path}:AffinityKeyName is required (as YARP requires).");
        }

        if (reader.String(cookie, "Path") is { } cookiePath)
        {
            options.CookiePath = cookiePath;
        }

        if (reader.OneOf(cookie, "SameSite", nameof(SameSiteMode.Unspecified), nameof(SameSiteMode.None), nameof(SameSiteMode.Lax), nameof(SameSiteMode.Strict)) is { } sameSite)
        {
            options.CookieSameSite = Enum.Parse<SameSiteMode>(sameSite);
        }

        if (reader.OneOf(cookie, "SecurePolicy", "SameAsRequest", "Always", "None") is { } secure)
        {
            options.CookieSecure = Enum.Parse<AffinityCookieSecurePolicy>(secure);
        }

        if (reader.Bool(cookie, "HttpOnly") == false)
        {
            reader.Refuse(cookie.GetSection("HttpOnly"), "EdgeKit's affinity cookie is always HttpOnly: scripts never need it.");
        }

        if (reader.Bool(cookie, "IsEssential") == true)
        {
            reader.Refuse(cookie.GetSection("IsEssential"), "EdgeKit's affinity cookie does not take part in ASP.NET's cookie consent policy.");
        }

        // HashCookie, ArrCookie and Cookie differ only in how YARP writes the destination into the cookie; EdgeKit
        // always writes it signed, which keeps the same requests on the same destination.
        if (reader.Bool(section, "Enabled") == true)
        {
            imported.SessionAffinity[clusterName] = options;
        }
    }

    private static void ReadHttpClient(ImportReader reader, IConfigurationSection section, ClusterHttpClientOptions client)
    {
        reader.CheckKeys(section, "HttpClient", s_httpClientKeys, s_httpClientRefused);
        if (reader.String(section, "SslProtocols") is { } protocols)
        {
            if (Enum.TryParse<SslProtocols>(protocols, ignoreCase: true, out var parsed) && !int.TryParse(protocols, out _))
            {
                client.SslProtocols = parsed;
            }
            else
            {
                reader.Errors.Add($"{section.Path}:SslProtocols: '{protocols}' is not a list of TLS versions such as 'Tls12, Tls13'.");
            }
        }

        client.DangerousAcceptAnyServerCertificate = reader.Bool(section, "DangerousAcceptAnyServerCertificate") ?? false;
        client.MaxConnectionsPerServer = reader.Int(section, "MaxConnectionsPerServer");
        client.EnableMultipleHttp2Connections = reader.Bool(section, "EnableMultipleHttp2Connections") ?? true;
    }
}
