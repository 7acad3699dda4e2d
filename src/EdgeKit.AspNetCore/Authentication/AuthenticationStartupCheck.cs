using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// Checks the API key and HMAC schemes' settings when the host starts, reporting every problem at once. Later
/// reloads are not refused as a whole: an invalid key entry is logged (event 1302) and left out, the others apply.
/// </summary>
internal sealed class AuthenticationStartupCheck(
    IEnumerable<EdgeKitSchemeMarker> schemes,
    IOptionsMonitor<ApiKeyAuthenticationOptions> apiKeys,
    IOptionsMonitor<HmacAuthenticationOptions> hmac) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var scheme in schemes.Distinct())
        {
            if (scheme.Kind == EdgeKitSchemeKind.ApiKey)
            {
                Validate(scheme.Name, apiKeys.Get(scheme.Name), errors);
            }
            else
            {
                Validate(scheme.Name, hmac.Get(scheme.Name), errors);
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException("EdgeKit authentication", typeof(AuthenticationStartupCheck), errors);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static void Validate(string scheme, ApiKeyAuthenticationOptions options, List<string> errors)
    {
        string path = $"EdgeKit API key scheme '{scheme}'";
        if (!EdgeKit.Auth.HeaderText.IsToken(options.HeaderName))
        {
            errors.Add($"{path}: HeaderName must be a valid header name, was '{options.HeaderName}'.");
        }

        if (options.QueryParameterName is { } query && string.IsNullOrWhiteSpace(query))
        {
            errors.Add($"{path}: QueryParameterName must be null (header only) or a name.");
        }

        var keyErrors = new List<string>();
        ApiKeyTable.Build(options.Keys, keyErrors);
        errors.AddRange(keyErrors.Select(e => $"{path}: {e}"));
    }

    internal static void Validate(string scheme, HmacAuthenticationOptions options, List<string> errors)
    {
        string path = $"EdgeKit HMAC scheme '{scheme}'";
        if (options.AllowedClockSkew <= TimeSpan.Zero || options.AllowedClockSkew > TimeSpan.FromHours(1))
        {
            errors.Add($"{path}: AllowedClockSkew must be above 0 and at most 1 hour, was {options.AllowedClockSkew}.");
        }

        if (options.MaxBodySize <= 0)
        {
            errors.Add($"{path}: MaxBodySize must be positive, was {options.MaxBodySize}.");
        }

        if (options.NonceCacheCapacity <= 0)
        {
            errors.Add($"{path}: NonceCacheCapacity must be positive, was {options.NonceCacheCapacity}.");
        }

        foreach (var (keyId, key) in options.Keys)
        {
            byte[]? secret = null;
            try
            {
                secret = Convert.FromBase64String(key?.Secret ?? "");
            }
            catch (FormatException)
            {
            }

            if (secret is null || secret.Length < 32)
            {
                errors.Add($"{path}: Keys['{keyId}'].Secret must be base64 of at least 32 bytes.");
            }

            if (string.IsNullOrWhiteSpace(key?.ClientId))
            {
                errors.Add($"{path}: Keys['{keyId}'].ClientId is required.");
            }
        }
    }
}
