namespace EdgeKit.Destinations;

/// <summary>How a request to a destination ended, as far as the destination's state is concerned.</summary>
public enum RequestOutcome
{
    /// <summary>A response arrived whose status does not count against the destination.</summary>
    Success = 0,

    /// <summary>The destination failed: a transport error, a timeout, or a 5xx status.</summary>
    Failure = 1,

    /// <summary>The caller cancelled; never counted against the destination.</summary>
    Cancelled = 2,
}
