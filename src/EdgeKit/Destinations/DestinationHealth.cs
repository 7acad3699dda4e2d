namespace EdgeKit.Destinations;

/// <summary>What is known about whether a destination can take requests.</summary>
public enum DestinationHealth
{
    /// <summary>No check has said either way; the destination takes traffic.</summary>
    Unknown = 0,

    /// <summary>Checks say the destination is fit; it takes traffic.</summary>
    Healthy = 1,

    /// <summary>Checks say the destination is unfit; it takes no traffic unless the cluster is in panic.</summary>
    Unhealthy = 2,
}
