namespace EdgeKit.Samples.Gateway;

/// <summary>The seeds' example services: small in-memory APIs that say which instance answered.</summary>
internal static class EcommerceServices
{
    public static void MapOrders(WebApplication app, string instance)
    {
        app.MapGet("/user/orders", () => Results.Ok(new
        {
            instance,
            orders = new[]
            {
                new { id = 1001, customerId = 7, total = 59.90m, status = "shipped" },
                new { id = 1002, customerId = 7, total = 12.50m, status = "processing" },
            },
        }));
        app.MapGet("/user/orders/{id:int}", (int id) => id is 1001 or 1002
            ? Results.Ok(new { instance, id, customerId = 7, total = id == 1001 ? 59.90m : 12.50m })
            : Results.Problem(statusCode: 404, title: "Order not found", detail: $"There is no order {id}."));
    }

    public static void MapUsers(WebApplication app, string instance)
    {
        app.MapGet("/user/profile", () => Results.Ok(new { instance, id = 7, name = "Ada Lovelace", email = "ada@example.com" }));
    }

    public static void MapProducts(WebApplication app, string instance)
    {
        app.MapGet("/products", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=30";
            return Results.Ok(new
            {
                instance,
                products = new[]
                {
                    new { sku = "BOOK-1", name = "Notes on the Analytical Engine", price = 29.95m },
                    new { sku = "PEN-2", name = "Fountain pen", price = 14.00m },
                },
            });
        });
    }
}
