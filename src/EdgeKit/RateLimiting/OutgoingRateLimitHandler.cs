using System.Threading.RateLimiting;

namespace EdgeKit.RateLimiting;

/// <summary>
/// Takes a permit from the client's limiter before each request; without one the request is not sent and fails with
/// <see cref="RateLimitRejectedException"/> (after waiting in the limiter's queue, when it has one).
/// </summary>
internal sealed class OutgoingRateLimitHandler : DelegatingHandler
{
    private readonly RateLimiter _limiter;
    private readonly string _name;

    public OutgoingRateLimitHandler(RateLimiter limiter, string name)
    {
        _limiter = limiter;
        _name = name;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            TimeSpan? retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
            throw new RateLimitRejectedException(
                $"HttpClient '{_name}': the outgoing rate limit is reached; the request was not sent" +
                (retryAfter is { } r ? $" (retry after {r})." : "."), retryAfter);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
