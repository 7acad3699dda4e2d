using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>
/// A gateway route's request delegate behind an EdgeKit rate-limit policy, without ASP.NET Core's rate-limiting
/// middleware: the permit is taken in the route's own delegate, in front of the route's cache and forwarder.
/// </summary>
/// <remarks>
/// <para>Being the endpoint's delegate, it runs after every middleware of the app (authentication, authorization, CORS,
/// an ASP.NET <c>GlobalLimiter</c> through <c>UseRateLimiter()</c>): a <c>User</c> or <c>Claim</c> partition sees the
/// authenticated user, and a request refused by authorization takes no permit.</para>
/// <para>The decision is the one ASP.NET's middleware made with the same policy: an accepted request gets the
/// RateLimit headers and goes on; a refused one is answered 429 by <see cref="EdgeKitRateLimiterPolicy.RejectAsync"/>; a
/// request waiting in the queue (<c>QueueLimit</c>) whose client goes away stops waiting, gives its permits back and is
/// not answered. The lease is disposed as soon as the decision is read: a store's limits are token buckets, whose leases
/// hold nothing while the request runs (<see cref="EdgeKit.RateLimiting.IRateLimiterStore"/>). So an accepted request
/// that is decided at once (the local store) costs no state machine and no allocation here: the route's handler's task is
/// returned as is.</para>
/// </remarks>
internal sealed class RouteRateLimiter(EdgeKitRateLimiterPolicy policy, RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        ValueTask<RateLimitLease> pending;
        try
        {
            pending = policy.Limiter.AcquireAsync(policy.KeyOf(context), 1, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        return pending.IsCompletedSuccessfully ? Decided(context, pending.Result) : WaitAsync(context, pending);
    }

    private Task Decided(HttpContext context, RateLimitLease lease)
    {
        try
        {
            if (!lease.IsAcquired)
            {
                return policy.RejectAsync(context, lease);
            }

            policy.OnDecided(context, lease);
        }
        finally
        {
            lease.Dispose();
        }

        return next(context);
    }

    private async Task WaitAsync(HttpContext context, ValueTask<RateLimitLease> pending)
    {
        RateLimitLease lease;
        try
        {
            lease = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while the request waited for a permit: nobody to answer (as ASP.NET's middleware).
            return;
        }

        await Decided(context, lease).ConfigureAwait(false);
    }
}
