using Microsoft.Extensions.Options;

namespace EdgeKit.Destinations;

/// <summary>Checks <see cref="ServiceDiscoveryDestinationOptions"/>, reporting every problem at once.</summary>
internal sealed class ServiceDiscoveryDestinationOptionsValidator : IValidateOptions<ServiceDiscoveryDestinationOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceDiscoveryDestinationOptions options)
    {
        var errors = Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Validate(ServiceDiscoveryDestinationOptions options)
    {
        const string path = "EdgeKit service discovery";
        var errors = new List<string>();
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

        return errors;
    }
}
