// A worker that calls the orders service through an HttpClient balanced by EdgeKit. The cluster (destinations,
// strategy, health) is in appsettings.json (the EdgeKit section), reloaded on change; a typo fails the start naming the key.
var host = EdgeKitClient.ClientHost.Build(args);
host.Run();
