using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>Turns a policy's <see cref="RateLimitPartitionOptions"/> into the function that keys a request.</summary>
internal static class PartitionKeySelector
{
    /// <summary>Keys longer than this are replaced by a hash, so a client cannot make the limiter hold huge keys.</summary>
    internal const int MaxKeyLength = 128;

    public static Func<HttpContext, string> Create(RateLimitPartitionOptions partition, ClientIpResolver ips)
    {
        // The client address is the key as is, with no prefix: IPAddress keeps its string once formatted, and Kestrel
        // gives every request of a connection the same IPAddress, so on a kept-alive connection the key costs nothing.
        // The other kinds' keys all start with a prefix ("key:", "user:", ...) that no address or "unknown" starts with.
        string ClientIp(HttpContext context) => ips.Resolve(context)?.ToString() ?? "unknown";

        string OrClientIp(HttpContext context, string prefix, string? value) =>
            string.IsNullOrEmpty(value) ? ClientIp(context) : Bound(prefix, value);

        if (partition.KeySelector is { } custom)
        {
            return context => OrClientIp(context, "custom:", custom(context));
        }

        string? name = partition.Name;
        return partition.Kind switch
        {
            RateLimitPartitionKind.ClientIp => ClientIp,
            RateLimitPartitionKind.ApiKey => context => OrClientIp(context, "key:", FirstValue(context, name ?? RateLimitPartitionOptions.DefaultApiKeyHeader)),
            RateLimitPartitionKind.Header => context => OrClientIp(context, "header:", FirstValue(context, name!)),
            RateLimitPartitionKind.User => context => OrClientIp(context, "user:",
                context.User.Identity is { IsAuthenticated: true } identity ? identity.Name : null),
            RateLimitPartitionKind.Claim => context => OrClientIp(context, "claim:",
                context.User.Identity is { IsAuthenticated: true } ? context.User.FindFirst(name!)?.Value : null),
            RateLimitPartitionKind.Route => context => Bound("route:",
                (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "/"),
            RateLimitPartitionKind.Global => static _ => "global",
            _ => throw new ArgumentOutOfRangeException(nameof(partition), partition.Kind, "Unknown partition kind."),
        };
    }

    private static string? FirstValue(HttpContext context, string header)
    {
        var values = context.Request.Headers[header];
        return values.Count > 0 ? values[0] : null;
    }

    private static string Bound(string prefix, string value)
    {
        if (value.Length <= MaxKeyLength)
        {
            return prefix + value;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return prefix + "sha256:" + Convert.ToHexString(hash);
    }
}
