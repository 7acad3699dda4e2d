using EdgeKit.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeKit.RateLimiting;

/// <summary>Checks a client's <see cref="OutgoingRateLimitOptions"/>, every problem at once.</summary>
internal sealed class OutgoingRateLimitOptionsValidator : IValidateOptions<OutgoingRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, OutgoingRateLimitOptions options)
    {
        var errors = new List<string>();
        Validate(options, $"HttpClient '{name}' rate limiting", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds every problem of <paramref name="options"/> to <paramref name="errors"/>, each prefixed with <paramref name="path"/>.</summary>
    public static void Validate(OutgoingRateLimitOptions options, string path, List<string> errors) =>
        errors.AddRange(TokenBucketRules.Problems(options.Limits, options.QueueLimit, options.PolicyName ?? "client").Select(problem => $"{path}: {problem}"));
}
