namespace EdgeKitGateway;

/// <summary>Builds the gateway from its configuration; Program.cs runs it, the tests start it with their own settings.</summary>
public static class Gateway
{
    /// <summary>Builds the gateway: the EdgeKit section of the configuration (appsettings.json, the environment, <paramref name="args"/>).</summary>
    /// <param name="args">The command line; <c>--Key=value</c> overrides a setting.</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var edgeKit = builder.Configuration.GetSection("EdgeKit");
        builder.Services.AddEdgeKit()
            .AddGateway(edgeKit)
            .AddAuthorizationPolicies(edgeKit.GetSection("Authorization"));

        // Authentication presets, each turned on by its section: Jwt (bearer tokens from your identity provider) and
        // ApiKeys (hashed keys in X-Api-Key). Routes choose who may pass with AuthorizationPolicy.
        var authentication = builder.Services.AddAuthentication();
        var presets = edgeKit.GetSection("Authentication");
        if (presets.GetSection("Jwt").Exists())
        {
            authentication.AddEdgeKitJwt(presets.GetSection("Jwt"));
        }

        if (presets.GetSection("ApiKeys").Exists())
        {
            authentication.AddEdgeKitApiKeys(presets.GetSection("ApiKeys"));
        }

        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGet("/healthz/live", () => "live").AllowAnonymous();
        app.MapEdgeKit();
        app.MapEdgeKitStatus("ops");
        return app;
    }
}
