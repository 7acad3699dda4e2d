using System.Net;
using EdgeKit.Benchmarks.Gateway;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

// The YARP side of the gateway benchmark (../run.sh): `/{**catch-all}` to the cluster "backends", round robin,
// HTTP/1.1 to the backends, no logging. Both gateways add X-Forwarded-For/Proto/Host by default, so both keep their
// defaults and do the same work.
var settings = GatewayBenchSettings.Parse(args);
var builder = GatewayBenchHost.CreateBuilder(settings);

var route = new RouteConfig
{
    RouteId = "all",
    ClusterId = "backends",
    Match = new RouteMatch { Path = "/{**catch-all}" },
};
int index = 0;
var cluster = new ClusterConfig
{
    ClusterId = "backends",
    LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
    HttpRequest = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower },
    Destinations = settings.BackendAddresses.ToDictionary(_ => $"d{++index}", address => new DestinationConfig { Address = address }),
};
// GWBENCH_CONFIG=<file.json> (../../resilience/run.sh): routes and clusters (health checks, timeouts) come from that JSON
// file's "ReverseProxy" section instead, watched and reloaded on change like an app's appsettings.json.
if (Environment.GetEnvironmentVariable("GWBENCH_CONFIG") is { Length: > 0 } file)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: true);
    builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
}
else
{
    builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
}

var app = builder.Build();
app.MapReverseProxy();
await GatewayBenchHost.RunAsync(app, settings, "YarpGateway");
