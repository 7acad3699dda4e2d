// The seeds' e-commerce example in one command: Orders, Users and Products services (several instances each, on
// 127.0.0.1) behind an EdgeKit gateway that routes /user/orders to Orders, /user/profile to Users and /products to
// Products, balancing each across its instances. Run with `--smoke` to send a few requests through it and exit.
using EdgeKit.Samples.Gateway;

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

// 2. The gateway: routes and cluster settings from appsettings.json; the instances' addresses (known only now) added
//    as destinations.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
builder.Configuration.AddInMemoryCollection(instances.ToDictionary(
    i => $"EdgeKit:Clusters:{i.Service}:Destinations:{i.Name}:Address",
    i => (string?)i.Address));
builder.Services.AddEdgeKit().AddGateway(builder.Configuration.GetSection("EdgeKit"));

var app = builder.Build();
app.MapEdgeKit();
await app.StartAsync();
string gateway = app.Urls.First().TrimEnd('/');

Console.WriteLine($"EdgeKit gateway on {gateway}");
foreach (var group in instances.GroupBy(i => i.Service))
{
    Console.WriteLine($"  {group.Key,-9} {string.Join("  ", group.Select(i => $"{i.Name} {i.Address}"))}");
}

Console.WriteLine();
Console.WriteLine("Try:");
Console.WriteLine($"  curl -s {gateway}/user/orders");
Console.WriteLine($"  curl -s {gateway}/user/orders/1001");
Console.WriteLine($"  curl -s {gateway}/user/profile");
Console.WriteLine($"  curl -s {gateway}/products");
Console.WriteLine($"  curl -si {gateway}/user/orders/9   # the service's own 404 problem, passed through");

if (smoke)
{
    using var client = new HttpClient { BaseAddress = new Uri(gateway) };
    foreach (var path in new[] { "/user/orders", "/user/orders/1001", "/user/profile", "/user/profile", "/products", "/products" })
    {
        using var response = await client.GetAsync(path);
        Console.WriteLine($"GET {path,-20} {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        if (!response.IsSuccessStatusCode)
        {
            Environment.ExitCode = 1;
        }
    }
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
