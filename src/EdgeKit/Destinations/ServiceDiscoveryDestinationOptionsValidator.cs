using Microsoft.Extensions.Options;

namespace EdgeKit.Destinations;

/// <summary>Checks <see cref="ServiceDiscoveryDestinationOptions"/>, reporting every problem at once.</summary>
internal sealed class ServiceDiscoveryDestinationOptionsValidator : IValidateOptions<ServiceDiscoveryDestinationOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceDiscoveryDestinationOptions options)
    {
        var errors = new List<string>();
        Validate(options, Path, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The path its problems are named by.</summary>
    public const string Path = "EdgeKit service discovery";

    /// <summary>Adds every problem of <paramref name="options"/> to <paramref name="errors"/>, each prefixed with <paramref name="path"/>.</summary>
    public static void Validate(ServiceDiscoveryDestinationOptions options, string path, List<string> errors)
    {
        if (options.InitialResolutionTimeout < TimeSpan.Zero)
        {
            errors.Add($"{path}: InitialResolutionTimeout must not be negative (zero does not wait), was {options.InitialResolutionTimeout}.");
        }

        if (options.ResolutionTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}: ResolutionTimeout must be positive, was {options.ResolutionTimeout}.");
        }

        if (options.RetryDelay <= TimeSpan.Zero)
        {
            errors.Add($"{path}: RetryDelay must be positive, was {options.RetryDelay}.");
        }

        if (options.MaxRetryDelay < options.RetryDelay)
        {
            errors.Add($"{path}: MaxRetryDelay must be at least RetryDelay ({options.RetryDelay}), was {options.MaxRetryDelay}.");
        }
    }
}
