namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>The ways a <see cref="BackendInstance"/> can be made to fail (see <see cref="BackendInstance.FailAsync"/>).</summary>
public enum InstanceFailure
{
    /// <summary>It answers 500.</summary>
    Returns500,

    /// <summary>It aborts the connection without answering.</summary>
    AbortsConnection,

    /// <summary>It is stopped: connections are refused.</summary>
    RefusesConnection,
}
