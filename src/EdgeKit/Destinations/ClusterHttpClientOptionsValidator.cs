using EdgeKit.Configuration;

namespace EdgeKit.Destinations;

internal static class ClusterHttpClientOptionsValidator
{
    public static void Validate(ClusterHttpClientOptions options, string clusterPath, List<string> errors)
    {
        string path = clusterPath + ":HttpClient";
        if (options.ParseRequestVersion() is null)
        {
            errors.Add($"{path}: RequestVersion '{options.RequestVersion}' is not an HTTP version; use '1.1', '2' or '3'.");
        }

        if (!Enum.IsDefined(options.VersionPolicy))
        {
            errors.Add($"{path}: VersionPolicy '{options.VersionPolicy}' is unknown; use RequestVersionOrLower, RequestVersionOrHigher or RequestVersionExact.");
        }

        if (options.MaxConnectionsPerServer is < 1)
        {
            errors.Add($"{path}: MaxConnectionsPerServer must be at least 1 (or absent for no limit), was {options.MaxConnectionsPerServer}.");
        }

        if (options.PooledConnectionLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{path}: PooledConnectionLifetime must be positive, was {options.PooledConnectionLifetime}.");
        }

        if (options.PooledConnectionIdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}: PooledConnectionIdleTimeout must be positive, was {options.PooledConnectionIdleTimeout}.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}: ConnectTimeout must be positive, was {options.ConnectTimeout}.");
        }

        if (options.ClientCertificatePath is { } certificate && !File.Exists(certificate))
        {
            errors.Add($"{path}: ClientCertificatePath '{certificate}' does not exist.");
        }

        if (options.ClientCertificateKeyPath is { } key)
        {
            if (options.ClientCertificatePath is null)
            {
                errors.Add($"{path}: ClientCertificateKeyPath is set without ClientCertificatePath.");
            }
            else if (!File.Exists(key))
            {
                errors.Add($"{path}: ClientCertificateKeyPath '{key}' does not exist.");
            }
        }
    }
}
