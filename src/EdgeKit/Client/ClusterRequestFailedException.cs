namespace EdgeKit.Client;

/// <summary>
/// Every attempt of a request to a cluster failed without a response (connection refused, reset, timeout):
/// no destination answered. The message names the cluster and the destinations that were tried;
/// <see cref="Exception.InnerException"/> is the last attempt's failure. Derives from
/// <see cref="HttpRequestException"/>, keeping the last failure's <see cref="HttpRequestException.HttpRequestError"/>.
/// </summary>
public sealed class ClusterRequestFailedException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="clusterName">The cluster.</param>
    /// <param name="failedDestinations">The ids of the destinations whose attempts failed, in order.</param>
    /// <param name="lastFailure">The last attempt's failure.</param>
    public ClusterRequestFailedException(string clusterName, IReadOnlyList<string> failedDestinations, HttpRequestException lastFailure)
        : base(
            (lastFailure ?? throw new ArgumentNullException(nameof(lastFailure))).HttpRequestError,
            FormatMessage(clusterName, failedDestinations, lastFailure),
            lastFailure,
            statusCode: null)
    {
        ClusterName = clusterName;
        FailedDestinations = failedDestinations;
    }

    /// <summary>The cluster no destination of which answered.</summary>
    public string ClusterName { get; }

    /// <summary>The ids of the destinations whose attempts failed, in order.</summary>
    public IReadOnlyList<string> FailedDestinations { get; }

    private static string FormatMessage(string clusterName, IReadOnlyList<string> failed, HttpRequestException last)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        ArgumentNullException.ThrowIfNull(failed);
        string tried = failed.Count == 0 ? "no destination" : string.Join(", ", failed.Select(id => $"'{id}'"));
        return $"Cluster '{clusterName}': no destination answered; tried {tried}. Last error: {last.Message}";
    }
}
