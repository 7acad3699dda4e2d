using Microsoft.Extensions.Options;

namespace EdgeKit.RateLimiting;

/// <summary>Checks a client's <see cref="ServerRateLimitOptions"/>, every problem at once.</summary>
internal sealed class ServerRateLimitOptionsValidator : IValidateOptions<ServerRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerRateLimitOptions options)
    {
        var problems = new List<string>();
        if (options.MaxWait < TimeSpan.Zero)
        {
            problems.Add($"HttpClient '{name}' server rate limits: MaxWait must be zero or positive (was {options.MaxWait}).");
        }

        if (options.SlowdownBelowRemaining < 0)
        {
            problems.Add($"HttpClient '{name}' server rate limits: SlowdownBelowRemaining must be 0 (off) or more (was {options.SlowdownBelowRemaining}).");
        }

        if (!Enum.IsDefined(options.Behavior))
        {
            problems.Add($"HttpClient '{name}' server rate limits: Behavior {(int)options.Behavior} is not defined.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
