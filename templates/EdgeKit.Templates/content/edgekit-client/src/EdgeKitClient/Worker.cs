using Microsoft.Extensions.Options;

namespace EdgeKitClient;

/// <summary>The worker's settings (the <c>Worker</c> section).</summary>
public sealed class WorkerOptions
{
    /// <summary>The time between two calls. Default 5 seconds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Calls the orders service every <see cref="WorkerOptions.Interval"/> and logs the answer.</summary>
public sealed partial class Worker(OrdersClient orders, IOptions<WorkerOptions> options, ILogger<Worker> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            try
            {
                Answered(logger, await orders.GetOrdersAsync(stoppingToken));
            }
            catch (HttpRequestException ex)
            {
                // Every destination failed, or the retries ran out: EdgeKit's own logs say which and why.
                Failed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(1, LogLevel.Information, "orders answered: {Body}")]
    private static partial void Answered(ILogger logger, string body);

    [LoggerMessage(2, LogLevel.Warning, "orders failed: {Reason}")]
    private static partial void Failed(ILogger logger, string reason);
}
