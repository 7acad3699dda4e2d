namespace EdgeKit.Caching;

/// <summary>One leading backend call for a key and the requests waiting for it (<see cref="RequestCoalescer.TryLead"/>).</summary>
public sealed class RequestFlight
{
    private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RequestCoalescer _owner;
    private readonly string _key;
    private int _followers;

    internal RequestFlight(RequestCoalescer owner, string key)
    {
        _owner = owner;
        _key = key;
    }

    /// <summary>How many requests followed this flight.</summary>
    public int Followers => Volatile.Read(ref _followers);

    /// <summary>Waits for the leader to complete the flight.</summary>
    /// <param name="cancellationToken">Stops waiting (the follower's own request ended).</param>
    /// <returns>True when the leader stored a response the follower should look up again; false to go to the backend itself.</returns>
    public Task<bool> FollowAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _followers);
        return _completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Ends the flight (the leader calls it once, also when its call failed): later requests lead their own; the followers wake.</summary>
    /// <param name="stored">Whether the leader stored a response.</param>
    public void Complete(bool stored)
    {
        _owner.Remove(_key, this);
        _completion.TrySetResult(stored);
    }
}
