using EdgeKit.Configuration;

namespace EdgeKit.Resilience;

/// <summary>The conditions of <see cref="EdgeKitResilienceOptions.RetryOn"/>, parsed.</summary>
[Flags]
internal enum RetryConditions
{
    None = 0,

    /// <summary><c>connect-failure</c>: the connection could not be opened; nothing reached the destination.</summary>
    ConnectFailure = 1,

    /// <summary><c>reset</c>: the transport failed after the request was sent, before any byte of the response.</summary>
    Reset = 2,

    /// <summary><c>timeout</c>: the attempt timeout, or a timeout of the transport.</summary>
    Timeout = 4,

    /// <summary><c>retriable-status-codes</c>: <see cref="EdgeKitResilienceOptions.RetryableStatuses"/>.</summary>
    RetriableStatusCodes = 8,

    /// <summary><c>gateway-error</c>: 502, 503 and 504.</summary>
    GatewayError = 16,

    /// <summary><c>5xx</c>: 500 to 599.</summary>
    ServerError = 32,
}

/// <summary>Parses <see cref="EdgeKitResilienceOptions.RetryOn"/>.</summary>
internal static class RetryConditionNames
{
    /// <summary>The names, as an error message lists them.</summary>
    public const string Known = "connect-failure, reset, timeout, retriable-status-codes, gateway-error, 5xx";

    /// <summary>Parses a comma-separated list of condition names (case ignored); empty for none.</summary>
    public static bool TryParse(string? text, out RetryConditions conditions, out string error)
    {
        conditions = RetryConditions.None;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var condition = part.ToLowerInvariant() switch
            {
                "connect-failure" => RetryConditions.ConnectFailure,
                "reset" => RetryConditions.Reset,
                "timeout" => RetryConditions.Timeout,
                "retriable-status-codes" => RetryConditions.RetriableStatusCodes,
                "gateway-error" => RetryConditions.GatewayError,
                "5xx" => RetryConditions.ServerError,
                _ => RetryConditions.None,
            };
            if (condition == RetryConditions.None)
            {
                error = part.Length == 0
                    ? $"'{text}' has an empty entry; use condition names separated by commas ({Known})."
                    : $"'{text}' names the unknown condition '{part}'; known: {Known}.";
                return false;
            }

            conditions |= condition;
        }

        return true;
    }
}
