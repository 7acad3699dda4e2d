namespace EdgeKit.Destinations;

/// <summary>
/// The names of <see cref="RequestOutcome"/> values as EdgeKit's metrics record them in <c>edgekit.outcome</c>
/// (requests, retries), and the rule that turns a response status into an outcome.
/// </summary>
public static class RequestOutcomes
{
    /// <summary>The name of <see cref="RequestOutcome.Success"/>.</summary>
    public const string Success = "success";

    /// <summary>The name of <see cref="RequestOutcome.Failure"/>.</summary>
    public const string Failure = "failure";

    /// <summary>The name of <see cref="RequestOutcome.Cancelled"/>.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The name of <paramref name="outcome"/>.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns><see cref="Success"/>, <see cref="Failure"/> or <see cref="Cancelled"/>.</returns>
    public static string Name(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Success => Success,
        RequestOutcome.Failure => Failure,
        _ => Cancelled,
    };

    /// <summary>
    /// The outcome of a request that received a response with <paramref name="statusCode"/>: a 5xx status is a failure
    /// of the destination; anything else (4xx included: the destination answered) is a success.
    /// </summary>
    /// <param name="statusCode">The response's status code.</param>
    /// <returns>The outcome.</returns>
    public static RequestOutcome FromStatusCode(int statusCode) =>
        statusCode >= 500 ? RequestOutcome.Failure : RequestOutcome.Success;
}
