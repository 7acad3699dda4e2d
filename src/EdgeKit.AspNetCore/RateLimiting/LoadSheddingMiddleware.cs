using System.Globalization;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>
/// Sheds load: each request holds a permit of the app's <see cref="AdaptiveConcurrencyLimiter"/> while it runs; when
/// none is left (latency has climbed and the limit came down), the request is answered at once with 503, a
/// <c>Retry-After</c>, and a problem+json body of type temporary-reduced-capacity.
/// </summary>
internal sealed class LoadSheddingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly AdaptiveConcurrencyLimiter _limiter;
    private readonly string _retryAfter;
    private readonly ILogger _logger;

    public LoadSheddingMiddleware(RequestDelegate next, LoadShedder shedder, ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger("EdgeKit.LoadShedding");
        _next = next;
        _limiter = shedder.Limiter;
        _retryAfter = Math.Max(1, RateLimitHeaders.WholeSecondsUp(shedder.RetryAfter)).ToString(CultureInfo.InvariantCulture);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        using var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            RateLimitingLog.RequestShed(_logger, context.Request.Path.Value ?? "/", _limiter.InFlight, _limiter.CurrentLimit);
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = _retryAfter;
        await TypedResults.Problem(new ProblemDetails
        {
            Type = RateLimitProblemTypes.TemporaryReducedCapacity,
            Title = "Request cannot be satisfied due to temporary server capacity constraints",
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = "The server is shedding load; retry later.",
        }).ExecuteAsync(context).ConfigureAwait(false);
    }
}
