// An EdgeKit API gateway: routes, clusters, authentication, policies and rate limits are in appsettings.json (the
// EdgeKit section). A typo there fails the start naming the key; a change is applied without a restart.
var app = EdgeKitGateway.Gateway.Build(args);
app.Run();
