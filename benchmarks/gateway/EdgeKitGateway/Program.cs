using EdgeKit.Benchmarks.Gateway;
using Microsoft.Extensions.Configuration;

// The EdgeKit side of the gateway benchmark (../run.sh): `/{**catch-all}` to the cluster "backends", round robin,
// HTTP/1.1 to the backends, no transforms, no logging. The YARP side (../YarpGateway) is configured the same way.
var settings = GatewayBenchSettings.Parse(args);
var builder = GatewayBenchHost.CreateBuilder(settings);

var gateway = new Dictionary<string, string?>
{
    ["EdgeKit:Routes:all:Match:Path"] = "/{**catch-all}",
    ["EdgeKit:Routes:all:Cluster"] = "backends",
    ["EdgeKit:Clusters:backends:LoadBalancing:Strategy"] = "RoundRobin",
    ["EdgeKit:Clusters:backends:HttpClient:RequestVersion"] = "1.1",
};
int index = 0;
foreach (string address in settings.BackendAddresses)
{
    gateway[$"EdgeKit:Clusters:backends:Destinations:d{++index}:Address"] = address;
}

// GWBENCH_FEATURES (run.sh's feature rows): a comma-separated list of what sits on the request path beside routing and
// round robin. Empty: bare routing, outlier detection (passive health, on by default) turned off. "health": active health
// checks every second plus outlier detection at its defaults. "limit": a per-client (ClientIp) rate limiter whose limit
// no benchmark reaches, so that every request pays for the token acquire and none is refused.
var features = (Environment.GetEnvironmentVariable("GWBENCH_FEATURES") ?? "")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
foreach (var feature in features)
{
    if (feature is not ("health" or "limit"))
    {
        throw new ArgumentException($"GWBENCH_FEATURES: unknown feature '{feature}'; use health, limit or both (health,limit).");
    }
}

if (!features.Contains("health"))
{
    gateway["EdgeKit:Clusters:backends:Health:OutlierDetection:Enabled"] = "false";
}
else
{
    gateway["EdgeKit:Clusters:backends:Health:Active:Enabled"] = "true";
    gateway["EdgeKit:Clusters:backends:Health:Active:Path"] = "/health";
    gateway["EdgeKit:Clusters:backends:Health:Active:Interval"] = "00:00:01";
}

if (features.Contains("limit"))
{
    gateway["EdgeKit:Routes:all:RateLimiterPolicy"] = "per-client";
    gateway["EdgeKit:RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "1000000000";
    gateway["EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window"] = "00:00:01";
    gateway["EdgeKit:RateLimiting:Policies:per-client:Partition:Kind"] = "ClientIp";
}

// GWBENCH_TRANSPORT (run.sh's "-tr" rows): the cluster's backend transport, EdgeKit (the gateway's own HTTP/1.1
// transport, src/EdgeKit.AspNetCore/Transport), Auto or SocketsHttpHandler. Unset, the rows stay on SocketsHttpHandler as
// they were measured before Auto (which picks EdgeKit's transport for these plain http backends) became the default.
gateway["EdgeKit:Clusters:backends:HttpClient:Transport"] =
    Environment.GetEnvironmentVariable("GWBENCH_TRANSPORT") is { Length: > 0 } transport ? transport : "SocketsHttpHandler";

// GWBENCH_CACHE=1 (cache-run.sh): the route caches through the EdgeKit cache policy "bench".
if (Environment.GetEnvironmentVariable("GWBENCH_CACHE") == "1")
{
    gateway["EdgeKit:Routes:all:CachePolicy"] = "bench";
    gateway["EdgeKit:Caching:Policies:bench:Mode"] = "Shared";
}

// GWBENCH_CONFIG=<file.json> (../../resilience/run.sh): the whole configuration comes from that JSON file instead, watched
// and reloaded on change like an app's appsettings.json (its "EdgeKit" section is the gateway's).
if (Environment.GetEnvironmentVariable("GWBENCH_CONFIG") is { Length: > 0 } file)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: true);
}
else
{
    builder.Configuration.AddInMemoryCollection(gateway);
}

builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection("EdgeKit"));

// The "limit" route's policy is an EdgeKit policy, which the route applies itself: no app.UseRateLimiter().
var app = builder.Build();
app.MapEdgeKit();
await GatewayBenchHost.RunAsync(app, settings, "EdgeKitGateway");
