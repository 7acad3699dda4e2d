using EdgeKit.Configuration;
using System.Net.Http;

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

        if (!Enum.IsDefined(options.Transport))
        {
            errors.Add($"{path}: Transport '{options.Transport}' is unknown; use Auto, SocketsHttpHandler or EdgeKit.");
        }
        else if (options.Transport == ClusterTransport.EdgeKit && options.ParseRequestVersion() is { } version
            && (version.Major >= 2 ? options.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower
                : version.Minor == 0 && options.VersionPolicy != HttpVersionPolicy.RequestVersionOrHigher))
        {
            errors.Add($"{path}: Transport 'EdgeKit' speaks HTTP/1.1 only, but RequestVersion '{options.RequestVersion}' with VersionPolicy {options.VersionPolicy} demands HTTP/{options.RequestVersion}; use RequestVersion '1.1' (or the SocketsHttpHandler transport).");
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
