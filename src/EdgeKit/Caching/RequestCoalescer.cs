using System.Collections.Concurrent;

namespace EdgeKit.Caching;

/// <summary>
/// Makes concurrent misses for one key share one backend call: the first request to <see cref="TryLead"/> leads and
/// the others wait for its <see cref="Flight"/>. The leader always completes its flight, telling the followers whether
/// it stored a response they can look up; when it did not (not storable, or the call failed), each follower goes to
/// the backend on its own, so a failure or cancellation of the leader is never passed on to the followers.
/// </summary>
internal sealed class RequestCoalescer
{
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _backgroundRevalidations = new(StringComparer.Ordinal);

    /// <summary>Requests waiting or leading now, by key (for tests).</summary>
    public int FlightCount => _flights.Count;

    /// <summary>How many requests wait for the flight of <paramref name="key"/> now (0 when none leads).</summary>
    public int Waiting(string key) => _flights.TryGetValue(key, out var flight) ? flight.Followers : 0;

    /// <summary>Returns true when the caller leads (and must complete <paramref name="flight"/>); false to follow it.</summary>
    public bool TryLead(string key, out Flight flight)
    {
        var mine = new Flight(this, key);
        flight = _flights.GetOrAdd(key, mine);
        return ReferenceEquals(flight, mine);
    }

    /// <summary>At most one background revalidation per key at a time: true when the caller may start one.</summary>
    public bool TryBeginBackgroundRevalidation(string key) => _backgroundRevalidations.TryAdd(key, 0);

    public void EndBackgroundRevalidation(string key) => _backgroundRevalidations.TryRemove(key, out _);

    /// <summary>One leading backend call and the requests waiting for it.</summary>
    internal sealed class Flight(RequestCoalescer owner, string key)
    {
        private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _followers;

        /// <summary>How many requests followed this flight.</summary>
        public int Followers => Volatile.Read(ref _followers);

        /// <summary>Waits for the leader: true when it stored a response the follower should look up.</summary>
        public Task<bool> FollowAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _followers);
            return _completion.Task.WaitAsync(cancellationToken);
        }

        /// <summary>Ends the flight: later requests lead their own; the followers wake.</summary>
        public void Complete(bool stored)
        {
            owner._flights.TryRemove(new KeyValuePair<string, Flight>(key, this));
            _completion.TrySetResult(stored);
        }
    }
}
