using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// Picks a destination for one request from one immutable <see cref="ClusterSnapshot"/>.
/// </summary>
/// <remarks>
/// A picker is built by an <see cref="ILoadBalancingStrategy"/> whenever the cluster's destinations,
/// health or settings change, and is then used by every request until the next change. Anything
/// that can be precomputed (a lookup table, a weighted sequence) is computed when it is built.
/// <see cref="Pick"/> is called concurrently from many threads: it must not lock, block or allocate.
/// </remarks>
public abstract class DestinationPicker
{
    /// <summary>Picks a destination.</summary>
    /// <param name="context">What is known about the request.</param>
    /// <returns>The chosen destination, or <see langword="null"/> when none is available.</returns>
    public abstract DestinationState? Pick(in PickContext context);
}
