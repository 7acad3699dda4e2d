using EdgeKit.RateLimiting;
using Microsoft.Extensions.Options;
using EdgeKit.Configuration;

namespace EdgeKit.RateLimiting;

/// <summary>Checks a client's <see cref="OutgoingRateLimitOptions"/>, every problem at once.</summary>
internal sealed class OutgoingRateLimitOptionsValidator : IValidateOptions<OutgoingRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, OutgoingRateLimitOptions options)
    {
        var problems = TokenBucketRules.Problems(options.Limits, options.QueueLimit, options.PolicyName ?? "client");
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"HttpClient '{name}' rate limiting: {p}"));
    }
}
