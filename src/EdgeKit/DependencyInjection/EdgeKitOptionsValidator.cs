using EdgeKit.Balancing;
using EdgeKit.Destinations;

namespace EdgeKit.DependencyInjection;

/// <summary>
/// Checks <see cref="EdgeKitOptions"/> and reports every problem at once, each naming the cluster and
/// destination it is about and what to do.
/// </summary>
internal static class EdgeKitOptionsValidator
{
    public static List<string> Validate(EdgeKitOptions options, LoadBalancingStrategyCollection strategies)
    {
        var errors = new List<string>();
        if (options.Clusters is null)
        {
            errors.Add("EdgeKit: Clusters is null.");
            return errors;
        }

        foreach (var (name, cluster) in options.Clusters)
        {
            string path = $"Cluster '{name}'";
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add("EdgeKit: a cluster has an empty name.");
            }

            if (cluster is null)
            {
                errors.Add($"{path}: has no settings.");
                continue;
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
                else if (!IsValidServiceName(serviceName))
                {
                    errors.Add($"{path}: ServiceName '{serviceName}' is not a service name; use a form such as 'orders', 'http://orders' or 'https+http://orders'.");
                }
            }

            if (cluster.Destinations is not null)
            {
                foreach (var (id, destination) in cluster.Destinations)
                {
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
        }

        return errors;
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
        else if (!Uri.TryCreate(destination.Address, UriKind.Absolute, out var uri))
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
    }

    private static bool IsValidServiceName(string serviceName)
    {
        if (serviceName.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(serviceName, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host);
        }

        return Uri.CheckHostName(serviceName.Split(':')[0]) != UriHostNameType.Unknown;
    }

    /// <summary>Turns validated destination options into destinations.</summary>
    public static IEnumerable<Destination> ToDestinations(ClusterOptions cluster) =>
        (cluster.Destinations ?? []).Select(pair => new Destination(
            pair.Key,
            new Uri(pair.Value.Address!, UriKind.Absolute),
            pair.Value.Weight,
            pair.Value.Metadata));
}
