// The seeds' e-commerce example in one command: Orders, Users and Products services (two instances each, on
// 127.0.0.1) behind an EdgeKit gateway. /user/orders goes to Orders and /user/profile to Users, both behind JWT
// validation with the caller's identity forwarded as headers; /user/summary aggregates both (plus optional product
// recommendations); /products is public, throttled per client and cached. The live dashboard is at /edgekit/dashboard.
// The sample mints a demo token with its own key and prints ready-to-paste curl lines. `--smoke` sends a few requests
// through it, prints what came back and exits (non-zero if anything was not as expected).
using System.Security.Cryptography;
using EdgeKit.AspNetCore.Authentication;
using EdgeKit.Samples.Gateway;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

bool smoke = args.Contains("--smoke");
int port = args.SkipWhile(a => a != "--port").Skip(1).Select(int.Parse).FirstOrDefault(smoke ? 0 : 5080);

// 1. The services: two Orders, two Users and two Products instances.
var instances = new List<ServiceInstance>
{
    await ServiceInstance.StartAsync("orders", "orders-1", EcommerceServices.MapOrders),
    await ServiceInstance.StartAsync("orders", "orders-2", EcommerceServices.MapOrders),
    await ServiceInstance.StartAsync("users", "users-1", EcommerceServices.MapUsers),
    await ServiceInstance.StartAsync("users", "users-2", EcommerceServices.MapUsers),
    await ServiceInstance.StartAsync("products", "products-1", EcommerceServices.MapProducts),
    await ServiceInstance.StartAsync("products", "products-2", EcommerceServices.MapProducts),
};

// 2. A demo token issuer: an RSA key made now; the gateway trusts its public half.
using var signingKey = RSA.Create(2048);
string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
{
    Issuer = "edgekit-sample",
    Audience = "shop",
    Claims = new Dictionary<string, object> { ["sub"] = "ada", ["scope"] = "orders.read profile.read" },
    Expires = DateTime.UtcNow.AddHours(8),
    SigningCredentials = new SigningCredentials(new RsaSecurityKey(signingKey) { KeyId = "sample-1" }, SecurityAlgorithms.RsaSha256),
});

// 3. The gateway: routes, clusters, aggregate, rate-limit and cache policies from appsettings.json; the instances'
//    addresses (known only now) added as destinations.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
builder.Configuration.AddInMemoryCollection(instances.ToDictionary(
    i => $"EdgeKit:Clusters:{i.Service}:Destinations:{i.Name}:Address",
    i => (string?)i.Address));
var edgeKit = builder.Configuration.GetSection("EdgeKit");
builder.Services.AddEdgeKit().AddGateway(edgeKit);
// Issuers and audiences from EdgeKit:Authentication:Jwt (bound strictly, like the rest of the section); the key from code.
builder.Services.AddAuthentication().AddEdgeKitJwt(edgeKit.GetSection("Authentication:Jwt"));
builder.Services.PostConfigure<EdgeKitJwtOptions>(EdgeKitAuthenticationSchemes.Jwt, o =>
    o.SigningKeys.Add(new JwtSigningKeyOptions { KeyId = "sample-1", PublicKeyPem = signingKey.ExportSubjectPublicKeyInfoPem() }));
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
// No app.UseRateLimiter(): the routes' RateLimiterPolicy names EdgeKit policies, which the routes apply themselves.
app.MapEdgeKit();
// Local demo on 127.0.0.1 only; in production name an operators' policy instead of "anonymous".
app.MapEdgeKitDashboard("anonymous");
await app.StartAsync();
string gateway = app.Urls.First().TrimEnd('/');

Console.WriteLine($"EdgeKit gateway on {gateway}   dashboard: {gateway}/edgekit/dashboard/");
foreach (var group in instances.GroupBy(i => i.Service))
{
    Console.WriteLine($"  {group.Key,-9} {string.Join("  ", group.Select(i => $"{i.Name} {i.Address}"))}");
}

Console.WriteLine();
Console.WriteLine("Try:");
Console.WriteLine($"  TOKEN={token}");
Console.WriteLine($"  curl -s {gateway}/user/orders -H \"Authorization: Bearer $TOKEN\"");
Console.WriteLine($"  curl -s {gateway}/user/profile -H \"Authorization: Bearer $TOKEN\"");
Console.WriteLine($"  curl -s {gateway}/user/summary -H \"Authorization: Bearer $TOKEN\"   # orders + profile + recommendations in one call");
Console.WriteLine($"  curl -si {gateway}/user/orders                                      # 401: no token");
Console.WriteLine($"  curl -si {gateway}/products                                         # public, cached (Cache-Status), 5 per 10 s per client (RateLimit headers)");

if (smoke)
{
    Environment.ExitCode = await Smoke.RunAsync(gateway, token);
}
else
{
    Console.WriteLine();
    Console.WriteLine("Ctrl+C to stop.");
    await app.WaitForShutdownAsync();
}

await app.StopAsync();
foreach (var instance in instances)
{
    await instance.DisposeAsync();
}
