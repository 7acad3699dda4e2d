using System.Net;

namespace EdgeKit.RateLimiting;

/// <summary>
/// Honours the limits a server announces. A 429 or 503 with <c>Retry-After</c>, or a <c>RateLimit</c> field with
/// <c>r=0</c>, stops requests to that server until the time given; meanwhile requests wait (up to
/// <see cref="ServerRateLimitOptions.MaxWait"/>) or fail fast with <see cref="RateLimitRejectedException"/>, without
/// reaching the network. With adaptive slowdown, a low remaining quota spaces requests out. The 429 or 503 itself is
/// returned to the caller unchanged (retrying it is the resilience handler's job).
/// </summary>
internal sealed class ServerRateLimitHandler : DelegatingHandler
{
    private readonly ServerRateLimitState _state;
    private readonly ServerRateLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly string _name;

    public ServerRateLimitHandler(ServerRateLimitState state, ServerRateLimitOptions options, TimeProvider time, string name)
    {
        _state = state;
        _options = options;
        _time = time;
        _name = name;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var server = _state.For(request.RequestUri);
        long now = _time.GetTimestamp();
        long sendAt = server.ReserveSendTime(now);
        if (sendAt > now)
        {
            var wait = _time.GetElapsedTime(now, sendAt);
            if (_options.Behavior == ServerRateLimitBehavior.FailFast || wait > _options.MaxWait)
            {
                throw new RateLimitRejectedException(
                    $"HttpClient '{_name}': the server {request.RequestUri?.GetLeftPart(UriPartial.Authority)} asked to wait {wait}; the request was not sent.", wait);
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        Observe(server, response);
        return response;
    }

    private void Observe(ServerRateLimitState.Server server, HttpResponseMessage response)
    {
        long now = _time.GetTimestamp();
        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
            && RetryAfter(response) is { } retryAfter)
        {
            server.BlockUntil(now + ToTimestamp(retryAfter));
        }

        if (response.Headers.TryGetValues("RateLimit", out var values) && RateLimitField.TryParse(values, out long remaining, out var reset))
        {
            if (remaining == 0)
            {
                server.BlockUntil(now + ToTimestamp(reset));
                server.SetSpacing(0);
            }
            else if (remaining < _options.SlowdownBelowRemaining)
            {
                server.SetSpacing(ToTimestamp(reset) / remaining);
            }
            else
            {
                server.SetSpacing(0);
            }
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta > TimeSpan.Zero ? delta : TimeSpan.Zero;
        }

        if (header.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    // Saturates: a server may announce a reset centuries away (t=99999999999), which on a 1 GHz timestamp clock is past a
    // long; a quarter of long's range keeps "now + wait" from overflowing too, and is still centuries.
    private long ToTimestamp(TimeSpan duration)
    {
        Int128 timestamp = (Int128)duration.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond;
        return timestamp > MaxWaitTimestamp ? MaxWaitTimestamp : (long)timestamp;
    }

    private const long MaxWaitTimestamp = long.MaxValue / 4;
}
