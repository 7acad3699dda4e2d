using EdgeKit.Configuration;

namespace EdgeKit.Aggregation;

/// <summary>How a leg of an aggregate ended.</summary>
public enum AggregateLegOutcome
{
    /// <summary>Every response was a 2xx with valid JSON within the size bounds.</summary>
    Success,

    /// <summary>The backend answered with a status other than 2xx.</summary>
    BadStatus,

    /// <summary>The leg's <see cref="AggregateLegOptions.Timeout"/> passed.</summary>
    Timeout,

    /// <summary>A response was larger than the leg's <see cref="AggregateLegOptions.MaxResponseBytes"/>, or the legs together crossed <see cref="AggregateOptions.MaxResponseBytes"/>.</summary>
    TooLarge,

    /// <summary>A response body was not JSON (or, for a merged leg, not a JSON object).</summary>
    InvalidJson,

    /// <summary>Not sent: a leg it depends on failed, or a value it needs from one is absent or cannot be inserted.</summary>
    DependencyFailed,

    /// <summary>The request could not be sent or its response not read (connection refused or reset, no destination, ...).</summary>
    RequestFailed,

    /// <summary>Stopped because the aggregate had already failed or the caller went away.</summary>
    Cancelled,
}
