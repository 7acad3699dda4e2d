using EdgeKit.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>Checks <see cref="LoadSheddingOptions"/>, every problem at once.</summary>
internal sealed class LoadSheddingOptionsValidator : IValidateOptions<LoadSheddingOptions>
{
    public ValidateOptionsResult Validate(string? name, LoadSheddingOptions options)
    {
        var problems = new List<string>();
        if (options.Concurrency is null)
        {
            problems.Add("Concurrency is required.");
        }
        else
        {
            AdaptiveConcurrencyLimiter.Validate(options.Concurrency, "Concurrency", problems);
        }

        if (options.RetryAfter <= TimeSpan.Zero)
        {
            problems.Add($"RetryAfter must be positive (was {options.RetryAfter}).");
        }

        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => "EdgeKit load shedding: " + p));
    }
}
