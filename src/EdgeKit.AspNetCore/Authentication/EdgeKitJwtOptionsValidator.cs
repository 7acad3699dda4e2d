using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>Checks <see cref="EdgeKitJwtOptions"/>, gathering every problem at once; run when the host starts.</summary>
/// <param name="environment">The host's environment, when there is one: error details are refused in <c>Production</c>.</param>
internal sealed class EdgeKitJwtOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<EdgeKitJwtOptions>
{
    private static readonly HashSet<string> s_symmetric = new(StringComparer.Ordinal) { "HS256", "HS384", "HS512" };
    private static readonly HashSet<string> s_asymmetric = new(EdgeKitJwtOptions.DefaultValidAlgorithms, StringComparer.Ordinal);

    public ValidateOptionsResult Validate(string? name, EdgeKitJwtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        string path = $"EdgeKit JWT scheme '{name}'";
        Validate(options, path, errors);
        if (options.IncludeErrorDetails && environment is not null && environment.IsProduction())
        {
            errors.Add($"{path}: IncludeErrorDetails is on in the Production environment; it tells callers why their tokens fail (which key ids exist, the expected issuer, audience and expiry) and is for development only.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static void Validate(EdgeKitJwtOptions options, string path, List<string> errors)
    {
        int sources = (string.IsNullOrWhiteSpace(options.Authority) && string.IsNullOrWhiteSpace(options.MetadataAddress) ? 0 : 1)
            + (string.IsNullOrWhiteSpace(options.JwksUri) ? 0 : 1)
            + (options.SigningKeys is { Count: > 0 } ? 1 : 0);
        if (sources != 1)
        {
            errors.Add($"{path}: set exactly one key source: Authority or MetadataAddress (OpenID discovery), JwksUri, or SigningKeys; {sources} are set.");
        }

        foreach (var (label, address) in new[] { ("Authority", options.Authority), ("MetadataAddress", options.MetadataAddress), ("JwksUri", options.JwksUri) })
        {
            if (string.IsNullOrWhiteSpace(address))
            {
                continue;
            }

            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"{path}: {label} must be an absolute http(s) URI, was '{address}'.");
            }
            else if (options.RequireHttpsMetadata && uri.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"{path}: {label} must use https while RequireHttpsMetadata is on, was '{address}'.");
            }
        }

        bool discovery = !string.IsNullOrWhiteSpace(options.Authority) || !string.IsNullOrWhiteSpace(options.MetadataAddress);
        if (!discovery && (options.Issuers is null || !options.Issuers.Any(i => !string.IsNullOrWhiteSpace(i))))
        {
            errors.Add($"{path}: Issuers must list at least one issuer when keys come from JwksUri or SigningKeys.");
        }

        if (options.Audiences is null || !options.Audiences.Any(a => !string.IsNullOrWhiteSpace(a)))
        {
            errors.Add($"{path}: Audiences must list at least one audience; without it a token issued for another API would be accepted.");
        }

        if (options.ValidAlgorithms is null || options.ValidAlgorithms.Count == 0)
        {
            errors.Add($"{path}: ValidAlgorithms must list at least one algorithm.");
        }
        else
        {
            foreach (var algorithm in options.ValidAlgorithms)
            {
                if (string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{path}: ValidAlgorithms must not list 'none': unsigned tokens are never accepted.");
                }
                else if (s_symmetric.Contains(algorithm))
                {
                    if (!options.AllowSymmetricKeys)
                    {
                        errors.Add($"{path}: ValidAlgorithms lists '{algorithm}', a symmetric algorithm; set AllowSymmetricKeys to accept HMAC-signed tokens.");
                    }
                }
                else if (!s_asymmetric.Contains(algorithm))
                {
                    errors.Add($"{path}: ValidAlgorithms lists '{algorithm}', which is not one of {string.Join(", ", s_asymmetric.Concat(s_symmetric))}.");
                }
            }
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{path}: ClockSkew must be between 0 and 5 minutes, was {options.ClockSkew}.");
        }

        if (options.MaxTokenLifetime is { } lifetime && lifetime <= TimeSpan.Zero)
        {
            errors.Add($"{path}: MaxTokenLifetime must be positive when set, was {lifetime}.");
        }

        if (options.MaximumTokenSizeInBytes is < 256 or > 1024 * 1024)
        {
            errors.Add($"{path}: MaximumTokenSizeInBytes must be between 256 and 1048576, was {options.MaximumTokenSizeInBytes}.");
        }

        if (options.RefreshInterval < BaseConfigurationManager.MinimumRefreshInterval)
        {
            errors.Add($"{path}: RefreshInterval must be at least {BaseConfigurationManager.MinimumRefreshInterval}, was {options.RefreshInterval}.");
        }

        if (options.AutomaticRefreshInterval < BaseConfigurationManager.MinimumAutomaticRefreshInterval)
        {
            errors.Add($"{path}: AutomaticRefreshInterval must be at least {BaseConfigurationManager.MinimumAutomaticRefreshInterval}, was {options.AutomaticRefreshInterval}.");
        }

        if (string.IsNullOrWhiteSpace(options.NameClaimType) || string.IsNullOrWhiteSpace(options.RoleClaimType))
        {
            errors.Add($"{path}: NameClaimType and RoleClaimType must be set.");
        }

        var keyIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in options.SigningKeys ?? [])
        {
            string keyPath = $"{path}: SigningKeys['{key.KeyId}']";
            if (string.IsNullOrWhiteSpace(key.KeyId))
            {
                errors.Add($"{path}: every entry of SigningKeys needs a KeyId.");
            }
            else if (!keyIds.Add(key.KeyId))
            {
                errors.Add($"{keyPath} appears twice.");
            }

            if (string.IsNullOrWhiteSpace(key.PublicKeyPem) == string.IsNullOrWhiteSpace(key.SymmetricKey))
            {
                errors.Add($"{keyPath} must set exactly one of PublicKeyPem and SymmetricKey.");
            }
            else if (!TryCreateKey(key, options.AllowSymmetricKeys, out _, out string error))
            {
                errors.Add($"{keyPath}: {error}");
            }
        }
    }

    /// <summary>Builds the IdentityModel key of a static key entry (public keys only, unless symmetric keys are allowed).</summary>
    public static bool TryCreateKey(JwtSigningKeyOptions key, bool allowSymmetric, out SecurityKey? securityKey, out string error)
    {
        securityKey = null;
        error = "";
        if (!string.IsNullOrWhiteSpace(key.SymmetricKey))
        {
            if (!allowSymmetric)
            {
                error = "is a symmetric key; set AllowSymmetricKeys to use symmetric keys.";
                return false;
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(key.SymmetricKey);
            }
            catch (FormatException)
            {
                error = "SymmetricKey is not base64.";
                return false;
            }

            if (bytes.Length < 32)
            {
                error = $"SymmetricKey must have at least 32 bytes, has {bytes.Length}.";
                return false;
            }

            securityKey = new SymmetricSecurityKey(bytes) { KeyId = key.KeyId };
            return true;
        }

        string pem = key.PublicKeyPem ?? "";
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            error = "PublicKeyPem holds a private key; give the gateway the public key only.";
            return false;
        }

        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            securityKey = new RsaSecurityKey(rsa) { KeyId = key.KeyId };
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
        }

        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(pem);
            securityKey = new ECDsaSecurityKey(ecdsa) { KeyId = key.KeyId };
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            error = "PublicKeyPem is not an RSA or EC public key in PEM.";
            return false;
        }
    }
}
