namespace EdgeKitClient;

/// <summary>A typed client of the orders service; its HttpClient is balanced across the <c>orders</c> cluster.</summary>
/// <param name="http">The balanced HttpClient.</param>
public sealed class OrdersClient(HttpClient http)
{
    /// <summary>Reads the orders.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The answer's body.</returns>
    public Task<string> GetOrdersAsync(CancellationToken cancellationToken) => http.GetStringAsync("orders", cancellationToken);
}
