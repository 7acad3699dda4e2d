namespace EdgeKitClient;

/// <summary>Builds the worker's host; Program.cs runs it, the tests start it with their own settings.</summary>
public static class ClientHost
{
    /// <summary>Builds the host from its configuration (appsettings.json, the environment, <paramref name="args"/>).</summary>
    /// <param name="args">The command line; <c>--Key=value</c> overrides a setting.</param>
    /// <returns>The host, not started.</returns>
    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);

        // The clusters: EdgeKit:Clusters in appsettings.json.
        builder.Services.AddEdgeKit().AddConfiguration(builder.Configuration.GetSection("EdgeKit"));

        // "http://orders/" names the cluster; each request goes to one of its destinations, picked by its strategy.
        // AddEdgeKitResilience: retries (idempotent requests, on another destination), attempt and total timeouts.
        builder.Services.AddHttpClient<OrdersClient>(c => c.BaseAddress = new Uri("http://orders/"))
            .AddEdgeKitBalancing("orders")
            .AddEdgeKitResilience(builder.Configuration.GetSection("Resilience"));

        builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection("Worker"));
        builder.Services.AddHostedService<Worker>();
        return builder.Build();
    }
}
