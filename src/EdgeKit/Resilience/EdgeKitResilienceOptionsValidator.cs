using System.Globalization;
using EdgeKit.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeKit.Resilience;

/// <summary>
/// Checks <see cref="EdgeKitResilienceOptions"/>, gathering every problem rather than stopping at the first. Used by
/// <see cref="EdgeKitResilienceHandler"/>'s and <see cref="EdgeKitResiliencePipeline"/>'s constructors, for named clients
/// when the host starts, and by the gateway for a route's <c>Retry</c>; a transport of your own that binds these
/// settings from its own configuration section checks them the same way, each problem naming its key.
/// </summary>
public sealed class EdgeKitResilienceOptionsValidator : IValidateOptions<EdgeKitResilienceOptions>
{
    /// <summary>Checks the settings of the client named <paramref name="name"/>.</summary>
    /// <param name="name">The client's name; null or empty for unnamed settings.</param>
    /// <param name="options">The settings.</param>
    /// <returns>Success, or a failure listing every problem.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public ValidateOptionsResult Validate(string? name, EdgeKitResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Validate(options, string.IsNullOrEmpty(name) ? "EdgeKit resilience" : $"EdgeKit resilience of client '{name}'", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds a message to <paramref name="errors"/> for each problem, each starting with <paramref name="path"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="path">Where they come from, which starts each message: a configuration key such as <c>MyTransport:Retry</c>.</param>
    /// <param name="errors">Receives one sentence per problem.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void Validate(EdgeKitResilienceOptions options, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(errors);
        if (options.MaxRetryAttempts is < 0 or > EdgeKitResilienceOptions.MaxAllowedRetryAttempts)
        {
            errors.Add($"{path}: MaxRetryAttempts must be between 0 (no retries) and {EdgeKitResilienceOptions.MaxAllowedRetryAttempts}, was {options.MaxRetryAttempts}.");
        }

        if (options.BaseDelay < TimeSpan.Zero)
        {
            errors.Add($"{path}: BaseDelay must be zero or positive, was {options.BaseDelay}.");
        }

        if (options.MaxDelay < options.BaseDelay)
        {
            errors.Add($"{path}: MaxDelay ({options.MaxDelay}) must not be below BaseDelay ({options.BaseDelay}).");
        }

        if (options.MaxRetryAfter < TimeSpan.Zero)
        {
            errors.Add($"{path}: MaxRetryAfter must be zero (ignore Retry-After) or positive, was {options.MaxRetryAfter}.");
        }

        if (!TryParseStatuses(options.RetryableStatuses, out _, out var statusError))
        {
            errors.Add($"{path}: RetryableStatuses {statusError}");
        }

        if (!RetryConditionNames.TryParse(options.RetryOn, out _, out var conditionError))
        {
            errors.Add($"{path}: RetryOn {conditionError}");
        }

        if (options.MaxReplayBodySize < 0)
        {
            errors.Add($"{path}: MaxReplayBodySize must be 0 or more, was {options.MaxReplayBodySize}.");
        }

        bool attemptValid = IsValidTimeout(options.AttemptTimeout);
        if (!attemptValid)
        {
            errors.Add($"{path}: AttemptTimeout must be between 10 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was {options.AttemptTimeout}.");
        }

        if (!IsValidTimeout(options.TotalTimeout))
        {
            errors.Add($"{path}: TotalTimeout must be between 10 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was {options.TotalTimeout}.");
        }
        else if (attemptValid && IsFinite(options.TotalTimeout) && IsFinite(options.AttemptTimeout) && options.TotalTimeout < options.AttemptTimeout)
        {
            errors.Add($"{path}: TotalTimeout ({options.TotalTimeout}) must not be below AttemptTimeout ({options.AttemptTimeout}).");
        }

        if (options.RetryBudget is not { } budget)
        {
            errors.Add($"{path}: RetryBudget must not be null.");
        }
        else
        {
            if (!(budget.BudgetPercent is >= 0 and <= 100))
            {
                errors.Add($"{path}: RetryBudget.BudgetPercent must be between 0 and 100, was {budget.BudgetPercent.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (budget.MinRetryConcurrency < 0)
            {
                errors.Add($"{path}: RetryBudget.MinRetryConcurrency must be 0 or more, was {budget.MinRetryConcurrency}.");
            }
        }

        if (options.Hedging is not { } hedging)
        {
            errors.Add($"{path}: Hedging must not be null.");
        }
        else if (hedging.Enabled)
        {
            if (hedging.MaxHedgedAttempts is < 1 or > 10)
            {
                errors.Add($"{path}: Hedging.MaxHedgedAttempts must be between 1 and 10, was {hedging.MaxHedgedAttempts}.");
            }

            if (hedging.Delay < TimeSpan.Zero)
            {
                errors.Add($"{path}: Hedging.Delay must be zero (all attempts at once) or positive, was {hedging.Delay}.");
            }
            else if (attemptValid && IsFinite(options.AttemptTimeout) && hedging.Delay >= options.AttemptTimeout)
            {
                errors.Add($"{path}: Hedging.Delay ({hedging.Delay}) must be below AttemptTimeout ({options.AttemptTimeout}); otherwise no attempt is hedged before it times out.");
            }
        }
    }

    /// <summary>Parses <see cref="EdgeKitResilienceOptions.RetryableStatuses"/>: empty for none, else codes and ranges from 400 to 599.</summary>
    internal static bool TryParseStatuses(string? text, out StatusCodeRanges? statuses, out string error)
    {
        statuses = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!StatusCodeRanges.TryParse(text, out var parsed, out error))
        {
            return false;
        }

        for (int code = 100; code < 400; code++)
        {
            if (parsed.Contains(code))
            {
                error = $"'{text}' lists {code}; only error statuses (400 to 599) can be retried.";
                return false;
            }
        }

        statuses = parsed;
        return true;
    }

    private static bool IsFinite(TimeSpan timeout) => timeout != Timeout.InfiniteTimeSpan;

    private static bool IsValidTimeout(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan || (timeout >= EdgeKitResilienceOptions.MinTimeout && timeout <= EdgeKitResilienceOptions.MaxTimeout);
}
