using EdgeKit.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeKit.Caching;

/// <summary>
/// Checks <see cref="HttpCacheOptions"/>, gathering every problem rather than stopping at the first. Used by the
/// cache's constructor and, for named policies and clients, when the host starts.
/// </summary>
internal sealed class HttpCacheOptionsValidator : IValidateOptions<HttpCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Validate(options, string.IsNullOrEmpty(name) ? "EdgeKit cache" : $"EdgeKit cache '{name}'", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds a message to <paramref name="errors"/> for each problem, each starting with <paramref name="path"/>.</summary>
    public static void Validate(HttpCacheOptions options, string path, List<string> errors)
    {
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add($"{path}: Mode must be Shared or Private, was {options.Mode}.");
        }

        if (options.MaximumEntrySize is < 0 or > HttpCacheOptions.MaxAllowedEntrySize)
        {
            errors.Add($"{path}: MaximumEntrySize must be between 0 and {HttpCacheOptions.MaxAllowedEntrySize} bytes, was {options.MaximumEntrySize}.");
        }

        if (!(options.HeuristicFreshnessFraction is >= 0 and <= 1))
        {
            errors.Add($"{path}: HeuristicFreshnessFraction must be between 0 and 1, was {options.HeuristicFreshnessFraction}.");
        }

        if (options.MaximumHeuristicFreshness < TimeSpan.Zero)
        {
            errors.Add($"{path}: MaximumHeuristicFreshness must be zero or positive, was {options.MaximumHeuristicFreshness}.");
        }

        if (options.StaleRetention < TimeSpan.Zero)
        {
            errors.Add($"{path}: StaleRetention must be zero or positive, was {options.StaleRetention}.");
        }

        if (options.BackgroundRevalidationTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}: BackgroundRevalidationTimeout must be positive, was {options.BackgroundRevalidationTimeout}.");
        }

        if (options.TargetedCacheControlFields is null)
        {
            errors.Add($"{path}: TargetedCacheControlFields must not be null.");
        }
        else
        {
            foreach (string? field in options.TargetedCacheControlFields)
            {
                if (string.IsNullOrEmpty(field) || !IsToken(field) || field.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{path}: TargetedCacheControlFields must hold header field names other than Cache-Control (such as CDN-Cache-Control), had '{field}'.");
                }
            }
        }

        if (string.IsNullOrEmpty(options.CacheStatusName) || !IsToken(options.CacheStatusName))
        {
            errors.Add($"{path}: CacheStatusName must be a non-empty token (letters, digits and !#$%&'*+-.^_`|~), was '{options.CacheStatusName}'.");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(HttpCacheOptions options, string paramName)
    {
        var errors = new List<string>();
        Validate(options, "EdgeKit cache", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), paramName);
        }
    }

    private static bool IsToken(string value)
    {
        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }
}
