using EdgeKit.AspNetCore.Gateway;
using EdgeKit.Configuration;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>Checks <see cref="EdgeKitRateLimitingOptions"/>, reporting every problem at once.</summary>
internal sealed class EdgeKitRateLimitingOptionsValidator(IEnumerable<IRateLimiterStore> stores) : IValidateOptions<EdgeKitRateLimitingOptions>
{
    /// <summary>Where the rate limiter's trusted proxies are configured.</summary>
    internal const string KnownProxiesPath = "EdgeKit:RateLimiting:KnownProxies";

    public ValidateOptionsResult Validate(string? name, EdgeKitRateLimitingOptions options)
    {
        var errors = new List<string>();
        var storeNames = new HashSet<string>(stores.Select(s => s.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var (policyName, policy) in options.Policies)
        {
            string at = $"EdgeKit:RateLimiting:Policies:{policyName}";
            if (string.IsNullOrEmpty(policyName) || policyName.Any(c => c < 0x20 || c > 0x7e || c == '"' || c == '\\'))
            {
                errors.Add($"{at}: a policy name must be printable ASCII without '\"' or '\\' (it is advertised in RateLimit headers).");
            }

            if (policy is null)
            {
                errors.Add($"{at}: the policy is empty.");
                continue;
            }

            if (policy.Limits.Count == 0)
            {
                errors.Add($"{at}:Limits: at least one limit is required.");
            }

            for (int i = 0; i < policy.Limits.Count; i++)
            {
                var limit = policy.Limits[i];
                if (limit is null)
                {
                    errors.Add($"{at}:Limits:{i}: the limit is empty.");
                    continue;
                }

                if (limit.PermitLimit < 1)
                {
                    errors.Add($"{at}:Limits:{i}:PermitLimit must be at least 1 (was {limit.PermitLimit}).");
                }

                if (limit.Window <= TimeSpan.Zero || limit.Window > TokenBucketLimit.MaxWindow)
                {
                    errors.Add($"{at}:Limits:{i}:Window must be positive and at most {TokenBucketLimit.MaxWindow} (was {limit.Window}).");
                }

                if (limit.Name is not null && (limit.Name.Length == 0 || limit.Name.Any(c => c < 0x20 || c > 0x7e || c == '"' || c == '\\')))
                {
                    errors.Add($"{at}:Limits:{i}:Name must be printable ASCII without '\"' or '\\'.");
                }
            }

            if (!storeNames.Contains(policy.Store ?? string.Empty))
            {
                errors.Add($"{at}:Store '{policy.Store}' is not a registered rate-limiter store (registered: {string.Join(", ", storeNames.Order())}).");
            }

            if (policy.QueueLimit < 0)
            {
                errors.Add($"{at}:QueueLimit must be 0 or more (was {policy.QueueLimit}).");
            }

            if (policy.MaxPartitions < 1)
            {
                errors.Add($"{at}:MaxPartitions must be at least 1 (was {policy.MaxPartitions}).");
            }

            if (!Enum.IsDefined(policy.OverflowBehavior))
            {
                errors.Add($"{at}:OverflowBehavior {policy.OverflowBehavior} is not defined.");
            }

            var partition = policy.Partition ?? new RateLimitPartitionOptions();
            if (partition.KeySelector is null)
            {
                if (!Enum.IsDefined(partition.Kind))
                {
                    errors.Add($"{at}:Partition:Kind {partition.Kind} is not defined.");
                }
                else if (partition.Kind is RateLimitPartitionKind.Header or RateLimitPartitionKind.Claim && string.IsNullOrEmpty(partition.Name))
                {
                    errors.Add($"{at}:Partition:Name is required for kind {partition.Kind} (the {(partition.Kind == RateLimitPartitionKind.Header ? "header name" : "claim type")}).");
                }
            }
        }

        TrustedProxies.Parse(options.KnownProxies, KnownProxiesPath, errors);

        if (string.IsNullOrEmpty(options.ForwardedForHeader))
        {
            errors.Add("EdgeKit:RateLimiting:ForwardedForHeader must not be empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
