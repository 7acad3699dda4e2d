namespace EdgeKit.Simulation;

/// <summary>
/// One modelled backend: its usual latency and its faults. It has no capacity limit, so its latency does
/// not grow with load: what is measured is where the balancer sends requests, not queueing inside servers.
/// </summary>
/// <param name="Name">Its name, also the destination id.</param>
/// <param name="Latency">Its usual latency.</param>
/// <param name="Faults">Windows during which it misbehaves; the first window that covers a request's arrival applies.</param>
public sealed record SimulatedBackend(string Name, LatencyModel Latency, IReadOnlyList<BackendFault> Faults)
{
    /// <summary>A backend without faults.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="latency">Its latency.</param>
    public SimulatedBackend(string name, LatencyModel latency)
        : this(name, latency, [])
    {
    }

    /// <summary>The fault covering <paramref name="time"/>, if any.</summary>
    internal BackendFault? FaultAt(TimeSpan time)
    {
        foreach (var fault in Faults)
        {
            if (fault.Covers(time))
            {
                return fault;
            }
        }

        return null;
    }
}
