using Microsoft.Extensions.Options;

namespace EdgeKit.RateLimiting;

/// <summary>Checks a client's <see cref="ServerRateLimitOptions"/>, every problem at once.</summary>
internal sealed class ServerRateLimitOptionsValidator : IValidateOptions<ServerRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerRateLimitOptions options)
    {
        var errors = new List<string>();
        Validate(options, $"HttpClient '{name}' server rate limits", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds every problem of <paramref name="options"/> to <paramref name="errors"/>, each prefixed with <paramref name="path"/>.</summary>
    public static void Validate(ServerRateLimitOptions options, string path, List<string> errors)
    {
        if (options.MaxWait < TimeSpan.Zero)
        {
            errors.Add($"{path}: MaxWait must be zero or positive (was {options.MaxWait}).");
        }

        if (options.SlowdownBelowRemaining < 0)
        {
            errors.Add($"{path}: SlowdownBelowRemaining must be 0 (off) or more (was {options.SlowdownBelowRemaining}).");
        }

        if (!Enum.IsDefined(options.Behavior))
        {
            errors.Add($"{path}: Behavior {(int)options.Behavior} is not defined.");
        }
    }
}
