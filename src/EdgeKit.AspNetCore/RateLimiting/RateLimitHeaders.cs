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
    public static void Write(HttpResponse response, RateLimitLease lease, string? policyHeader)
    {
        if (lease.TryGetMetadata(RateLimitMetadataNames.Quota, out var quota))
        {
            var headers = response.Headers;
            if (policyHeader is not null)
            {
                headers[PolicyHeader] = policyHeader;
            }

            headers[RateLimitHeader] = FormatRateLimit(quota);
        }
    }

    /// <summary>A duration in whole seconds, rounded up; at least 1 for any positive duration.</summary>
    public static long WholeSecondsUp(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : (duration.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
}
