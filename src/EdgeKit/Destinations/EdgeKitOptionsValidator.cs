using EdgeKit.Balancing;
using EdgeKit.Configuration;
using Microsoft.Extensions.ServiceDiscovery;

namespace EdgeKit.Destinations;

/// <summary>
/// Checks <see cref="EdgeKitOptions"/> and reports every problem at once, each naming the cluster and
/// destination it is about and what to do.
/// </summary>
internal static class EdgeKitOptionsValidator
{
    /// <summary>Adds every problem of <paramref name="options"/>' clusters to <paramref name="errors"/>, each naming its cluster and destination.</summary>
    /// <param name="options">The options checked.</param>
    /// <param name="path">The configuration path of the options (<c>EdgeKit</c>), prefixing problems that name no cluster.</param>
    /// <param name="strategies">The strategies clusters may name (each checks its own settings).</param>
    /// <param name="health">Checks the health settings (the environment's <see cref="IClusterHealthFactory"/>).</param>
    /// <param name="errors">Where problems are added.</param>
    public static void Validate(EdgeKitOptions options, string path, LoadBalancingStrategyCollection strategies, IClusterHealthFactory health, List<string> errors)
    {
        if (options.Clusters is null)
        {
            errors.Add($"{path}: Clusters is null.");
            return;
        }

        foreach (var (name, cluster) in options.Clusters)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add($"{path}: a cluster has an empty name.");
            }

            // A cluster imported from another gateway's configuration is named by the key it came from.
            string clusterPath = cluster is not null && SourcePaths.Of(cluster) is { } source ? source : $"Cluster '{name}'";
            ValidateCluster(cluster, clusterPath, strategies, health, errors);
        }
    }

    private static void ValidateCluster(ClusterOptions? cluster, string path, LoadBalancingStrategyCollection strategies, IClusterHealthFactory health, List<string> errors)
    {
        if (cluster is null)
        {
            errors.Add($"{path}: has no settings.");
            return;
        }

        bool hasDestinations = cluster.Destinations is { Count: > 0 };
        bool hasServiceName = !string.IsNullOrWhiteSpace(cluster.ServiceName);
        if (!hasDestinations && !hasServiceName)
        {
            errors.Add($"{path}: has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.");
        }

        if (cluster.ServiceName is { } serviceName)
        {
            if (!hasServiceName)
            {
                errors.Add($"{path}: ServiceName is blank; remove it or name a service such as 'https+http://orders'.");
            }
            else if (!TryParseServiceName(serviceName, out var query))
            {
                errors.Add($"{path}: ServiceName '{serviceName}' is not a service name; use a form such as 'orders', 'http://orders' or 'https+http://orders'.");
            }
            else if (query.IncludedSchemes.FirstOrDefault(s => !IsHttpScheme(s)) is { } scheme)
            {
                errors.Add($"{path}: ServiceName '{serviceName}' asks for scheme '{scheme}'; destinations are reached over HTTP, so use http, https or both (e.g. 'https+http://orders').");
            }
        }

        if (cluster.Destinations is not null)
        {
            var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (id, destination) in cluster.Destinations)
            {
                if (!ids.TryAdd(id, id))
                {
                    errors.Add($"{path}: destination ids '{ids[id]}' and '{id}' differ only in case; ids are compared case-insensitively, so rename one.");
                }

                ValidateDestination(path, id, destination, errors);
            }
        }

        if (cluster.LoadBalancing is null)
        {
            errors.Add($"{path}: LoadBalancing is null.");
        }
        else
        {
            LoadBalancingOptionsValidator.Validate(cluster.LoadBalancing, path, strategies, errors);
        }

        if (cluster.Health is null)
        {
            errors.Add($"{path}: Health is null.");
        }
        else
        {
            health.Validate(cluster.Health, path, errors);
        }

        if (cluster.HttpClient is null)
        {
            errors.Add($"{path}: HttpClient is null.");
        }
        else
        {
            ClusterHttpClientOptionsValidator.Validate(cluster.HttpClient, path, errors);
        }
    }

    private static void ValidateDestination(string clusterPath, string id, DestinationOptions? destination, List<string> errors)
    {
        string path = $"{clusterPath}, destination '{id}'";
        if (string.IsNullOrWhiteSpace(id))
        {
            errors.Add($"{clusterPath}: a destination has an empty id.");
        }

        if (destination is null)
        {
            errors.Add($"{path}: has no settings; give it an Address.");
            return;
        }

        if (string.IsNullOrWhiteSpace(destination.Address))
        {
            errors.Add($"{path}: Address is missing; give an absolute address such as 'http://10.0.0.11:8080'.");
        }
        else if (!TryCreateAbsolute(destination.Address, out var uri))
        {
            errors.Add($"{path}: Address '{destination.Address}' is not an absolute URI; use a form such as 'http://10.0.0.11:8080'.");
        }
        else if (Destination.ValidateAddress(uri) is { } problem)
        {
            errors.Add($"{path}: {problem}");
        }

        if (destination.Weight is < Destination.MinWeight or > Destination.MaxWeight)
        {
            errors.Add($"{path}: Weight must be between {Destination.MinWeight} and {Destination.MaxWeight}, was {destination.Weight}.");
        }

        if (destination.HealthAddress is { } healthAddress && !string.IsNullOrWhiteSpace(healthAddress))
        {
            if (!TryCreateAbsolute(healthAddress, out var healthUri))
            {
                errors.Add($"{path}: HealthAddress '{healthAddress}' is not an absolute URI; use a form such as 'http://10.0.0.11:9090'.");
            }
            else if (Destination.ValidateAddress(healthUri) is { } healthProblem)
            {
                errors.Add($"{path}: health {healthProblem}");
            }
        }
    }

    /// <summary>
    /// Parses an absolute URI as written. Unlike <see cref="Uri.TryCreate(string, UriKind, out Uri)"/> alone, a
    /// rooted path such as <c>/api</c> is not an absolute URI here: on Unix .NET would read it as <c>file:///api</c>.
    /// </summary>
    internal static bool TryCreateAbsolute(string address, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? uri)
    {
        if (Uri.TryCreate(address, UriKind.Absolute, out uri)
            && !(uri.IsFile && !address.TrimStart().StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        uri = null;
        return false;
    }

    /// <summary>
    /// Parses a service name the way Microsoft.Extensions.ServiceDiscovery does (<c>orders</c>, <c>http://orders</c>,
    /// <c>https+http://orders</c>, <c>_endpoint.orders</c>), rejecting names it would fail on or that name no service.
    /// </summary>
    internal static bool TryParseServiceName(string serviceName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ServiceEndpointQuery? query)
    {
        query = null;
        if (string.IsNullOrWhiteSpace(serviceName) || serviceName.Any(char.IsWhiteSpace))
        {
            return false;
        }

        try
        {
            // It throws rather than returning false for some inputs that parse as relative URIs.
            return ServiceEndpointQuery.TryParse(serviceName, out query) && !string.IsNullOrEmpty(query.ServiceName);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or UriFormatException)
        {
            query = null;
            return false;
        }
    }

    private static bool IsHttpScheme(string scheme) =>
        string.Equals(scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase)
        || string.Equals(scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase);
}
