using System.Globalization;
using System.Threading.RateLimiting;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>
/// The <c>RateLimit-Policy</c> and <c>RateLimit</c> fields of draft-ietf-httpapi-ratelimit-headers (structured-field
/// lists: <c>"per-client";q=100;w=60</c> and <c>"per-client";r=42;t=18</c>), and <c>Retry-After</c>. Every value is
/// rounded so that it is never more permissive than what is enforced: <c>w</c> and <c>t</c> and <c>Retry-After</c> up
/// to whole seconds, <c>r</c> down to whole permits.
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string RateLimitHeader = "RateLimit";

    /// <summary>Every limit of a policy: <c>"api-1s";q=10;w=1, "api-3600s";q=1000;w=3600</c>.</summary>
    internal static string FormatPolicy(RateLimiterStoreSettings policy)
    {
        var limits = policy.Limits;
        var parts = new string[limits.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = string.Create(CultureInfo.InvariantCulture,
                $"\"{policy.GetAdvertisedName(i)}\";q={limits[i].PermitLimit};w={WholeSecondsUp(limits[i].Window)}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>The quota now: <c>"api-1s";r=4;t=1</c>.</summary>
    public static string FormatRateLimit(RateLimitQuota quota) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{quota.Policy}\";r={quota.Remaining};t={WholeSecondsUp(quota.ResetAfter)}");

    /// <summary>Writes <c>RateLimit</c> (and <c>RateLimit-Policy</c>, when given) from the lease's quota, if it has one.</summary>
    public static void Write(HttpResponse response, RateLimitLease lease, string? policyHeader, Values? values = null)
    {
        if (lease.TryGetQuota(out var quota))
        {
            var headers = response.Headers;
            if (policyHeader is not null)
            {
                headers[PolicyHeader] = policyHeader;
            }

            headers[RateLimitHeader] = values?.RateLimit(quota) ?? FormatRateLimit(quota);
        }
    }

    /// <summary>
    /// A policy's <c>RateLimit</c> values formatted once: for each limit, the value after one permit was taken from a
    /// full bucket (<c>r</c> = the limit less one, <c>t</c> = one emission interval, rounded up), and the full bucket's
    /// own (<c>r</c> = the limit, <c>t=0</c>: the quota is read after the decision, and a limit whose interval is shorter
    /// than that has refilled the permit already). That is what every request of a client below its rate gets (its
    /// bucket refilled since its last request), so for those clients writing the header allocates nothing; any other
    /// quota is formatted as it comes. Immutable, shared by every request.
    /// </summary>
    internal sealed class Values
    {
        private readonly (string Policy, long Remaining, long Seconds, string Value)[] _fullBucket;

        public Values(RateLimiterStoreSettings policy)
        {
            var limits = policy.Limits;
            _fullBucket = new (string, long, long, string)[2 * limits.Count];
            for (int i = 0; i < limits.Count; i++)
            {
                var limit = limits[i];
                string name = policy.GetAdvertisedName(i);
                long interval = (limit.Window.Ticks + limit.PermitLimit - 1) / limit.PermitLimit;
                _fullBucket[2 * i] = Entry(new RateLimitQuota(name, limit.PermitLimit, limit.Window, limit.PermitLimit - 1, TimeSpan.FromTicks(interval)));
                _fullBucket[(2 * i) + 1] = Entry(new RateLimitQuota(name, limit.PermitLimit, limit.Window, limit.PermitLimit, TimeSpan.Zero));
            }

            static (string, long, long, string) Entry(RateLimitQuota quota) =>
                (quota.Policy, quota.Remaining, WholeSecondsUp(quota.ResetAfter), FormatRateLimit(quota));
        }

        /// <summary>The <c>RateLimit</c> value of <paramref name="quota"/>: <see cref="FormatRateLimit"/>'s, without formatting it again when it is a full bucket's.</summary>
        public string RateLimit(RateLimitQuota quota)
        {
            long resetSeconds = WholeSecondsUp(quota.ResetAfter);
            foreach (var (policy, remaining, seconds, value) in _fullBucket)
            {
                if (quota.Remaining == remaining && resetSeconds == seconds && string.Equals(quota.Policy, policy, StringComparison.Ordinal))
                {
                    return value;
                }
            }

            return FormatRateLimit(quota);
        }
    }

    /// <summary>A duration in whole seconds, rounded up; at least 1 for any positive duration.</summary>
    public static long WholeSecondsUp(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : (duration.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
}
