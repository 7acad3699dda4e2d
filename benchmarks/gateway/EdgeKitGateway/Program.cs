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

var app = builder.Build();
app.MapEdgeKit();
await GatewayBenchHost.RunAsync(app, settings, "EdgeKitGateway");
