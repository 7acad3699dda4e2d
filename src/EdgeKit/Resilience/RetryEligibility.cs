namespace EdgeKit.Resilience;

/// <summary>Whether a request may be sent more than once, and if not, why.</summary>
internal enum RetryEligibility
{
    /// <summary>It may be retried and hedged.</summary>
    Eligible = 0,

    /// <summary>Its method is not idempotent (POST, PATCH, ...) and it did not opt in.</summary>
    NotIdempotent,

    /// <summary>It opted out (<see cref="EdgeKit.Client.EdgeKitRequestOptions.AllowRetry"/> set to <see langword="false"/>).</summary>
    OptedOut,

    /// <summary>Its content cannot be sent twice (a stream, or a content type EdgeKit cannot tell).</summary>
    ContentNotReplayable,
}
