// An EdgeKit API gateway: everything is in appsettings.json (the EdgeKit section). A typo there fails the start naming
// the key; a change is applied without a restart.
var builder = WebApplication.CreateBuilder(args);
var edgeKit = builder.Configuration.GetSection("EdgeKit");
builder.Services.AddEdgeKit()
    .AddGateway(edgeKit)
    .AddAuthorizationPolicies(edgeKit.GetSection("Authorization"));
builder.Services.AddAuthentication().AddEdgeKitApiKeys(edgeKit.GetSection("Authentication:ApiKeys"));
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapGet("/healthz/live", () => "live").AllowAnonymous();
app.MapEdgeKit();
app.MapEdgeKitStatus("ops");
app.Run();
