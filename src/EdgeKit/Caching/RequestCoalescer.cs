using System.Collections.Concurrent;

namespace EdgeKit.Caching;

/// <summary>
/// Makes concurrent misses for one key share one backend call: the first request to <see cref="TryLead"/> leads and
/// the others wait for its <see cref="RequestFlight"/>. The leader always completes its flight, telling the followers
/// whether it stored a response they can look up; when it did not (not storable, or the call failed), each follower
/// goes to the backend on its own, so a failure or cancellation of the leader is never passed on to the followers.
/// Also keeps background revalidations to one per key.
/// </summary>
public sealed class RequestCoalescer
{
    private readonly ConcurrentDictionary<string, RequestFlight> _flights = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _backgroundRevalidations = new(StringComparer.Ordinal);

    internal RequestCoalescer()
    {
    }

    /// <summary>Requests waiting or leading now, by key (for tests).</summary>
    internal int FlightCount => _flights.Count;

    /// <summary>How many requests wait for the flight of <paramref name="key"/> now (0 when none leads).</summary>
    internal int Waiting(string key) => _flights.TryGetValue(key, out var flight) ? flight.Followers : 0;

    /// <summary>Leads the flight of <paramref name="key"/>, or joins the one in progress.</summary>
    /// <param name="key">The request's primary key (<see cref="CacheLookup.Key"/>).</param>
    /// <param name="flight">The flight: the caller's own to complete when it leads, the leader's to follow otherwise.</param>
    /// <returns>True when the caller leads, and must <see cref="RequestFlight.Complete"/> the flight whatever happens; false to follow it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public bool TryLead(string key, out RequestFlight flight)
    {
        ArgumentNullException.ThrowIfNull(key);
        var mine = new RequestFlight(this, key);
        flight = _flights.GetOrAdd(key, mine);
        return ReferenceEquals(flight, mine);
    }

    /// <summary>Starts a background revalidation of <paramref name="key"/> unless one runs: at most one per key at a time.</summary>
    /// <param name="key">The request's primary key.</param>
    /// <returns>True when the caller may start one (and must then call <see cref="EndBackgroundRevalidation"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public bool TryBeginBackgroundRevalidation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _backgroundRevalidations.TryAdd(key, 0);
    }

    /// <summary>Ends the background revalidation of <paramref name="key"/> begun with <see cref="TryBeginBackgroundRevalidation"/>.</summary>
    /// <param name="key">The request's primary key.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public void EndBackgroundRevalidation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _backgroundRevalidations.TryRemove(key, out _);
    }

    internal void Remove(string key, RequestFlight flight) => _flights.TryRemove(new KeyValuePair<string, RequestFlight>(key, flight));
}
