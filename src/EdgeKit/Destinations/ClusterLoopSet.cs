namespace EdgeKit.Destinations;

/// <summary>
/// One background loop per cluster that wants one, following <see cref="ClusterRegistry.Updated"/>: the piece that
/// service discovery and active health checks share. A cluster wants a loop while <c>keyOf</c> gives it a key (a
/// service name, say); a cluster whose key changes gets a new loop, one that keeps its key is woken
/// (<see cref="ClusterLoop.Wake"/>) so it re-reads its settings, and one that no longer wants a loop (or is removed)
/// loses it. Loops never run on the caller's thread and do not carry its async locals.
/// </summary>
/// <typeparam name="TLoop">The owner's loop type, holding what its loop needs besides the cluster.</typeparam>
internal sealed class ClusterLoopSet<TLoop>
    where TLoop : ClusterLoop
{
    private readonly ClusterRegistry _registry;
    private readonly Func<Cluster, string?> _keyOf;
    private readonly Func<Cluster, string, TLoop> _create;
    private readonly Func<TLoop, Task> _run;
    private readonly Action<TLoop, bool> _stopped;
    private readonly Action<ClusterRegistry> _onRegistryUpdated;
    private readonly Lock _lock = new();
    private readonly Dictionary<Cluster, TLoop> _loops = new(ReferenceEqualityComparer.Instance);
    private bool _running;
    private bool _ended;

    /// <param name="registry">The clusters to follow.</param>
    /// <param name="keyOf">A cluster's key, or <see langword="null"/> when it wants no loop. Called under the set's lock.</param>
    /// <param name="create">Makes a cluster's loop for a key (not started yet). Called under the set's lock.</param>
    /// <param name="run">The loop's body; it ends when <see cref="ClusterLoop.Stopping"/> is cancelled.</param>
    /// <param name="stopped">
    /// Called under the set's lock after a loop was stopped because its cluster's key changed (<see langword="true"/>:
    /// a new loop follows) or because the cluster wants none any more (<see langword="false"/>); not when the set stops.
    /// </param>
    public ClusterLoopSet(
        ClusterRegistry registry,
        Func<Cluster, string?> keyOf,
        Func<Cluster, string, TLoop> create,
        Func<TLoop, Task> run,
        Action<TLoop, bool> stopped)
    {
        _registry = registry;
        _keyOf = keyOf;
        _create = create;
        _run = run;
        _stopped = stopped;
        _onRegistryUpdated = _ => Synchronize();
    }

    /// <summary>The loops running now.</summary>
    public TLoop[] Loops
    {
        get
        {
            lock (_lock)
            {
                return [.. _loops.Values];
            }
        }
    }

    /// <summary>Starts a loop for every cluster that wants one and follows registry updates.</summary>
    /// <returns>Whether this call started the set (it was neither running nor stopped).</returns>
    public bool Start()
    {
        lock (_lock)
        {
            if (_running || _ended)
            {
                return false;
            }

            _running = true;
        }

        // Subscribe first so no update is missed; Synchronize is idempotent.
        _registry.Updated += _onRegistryUpdated;
        Synchronize();
        return true;
    }

    /// <summary>Stops following the registry and stops every loop (for good).</summary>
    /// <returns>The loops that were running, to wait for.</returns>
    public TLoop[] Stop()
    {
        _registry.Updated -= _onRegistryUpdated;
        TLoop[] loops;
        lock (_lock)
        {
            _ended = true;
            _running = false;
            loops = [.. _loops.Values];
            _loops.Clear();
        }

        foreach (var loop in loops)
        {
            loop.Stop();
        }

        return loops;
    }

    private void Synchronize()
    {
        lock (_lock)
        {
            if (!_running)
            {
                return;
            }

            var wanted = new Dictionary<Cluster, string>(ReferenceEqualityComparer.Instance);
            foreach (var cluster in _registry.Clusters)
            {
                if (!cluster.IsRemoved && _keyOf(cluster) is { } key)
                {
                    wanted.Add(cluster, key);
                }
            }

            foreach (var (cluster, loop) in _loops.ToArray())
            {
                bool stillWanted = wanted.TryGetValue(cluster, out var key);
                if (stillWanted && string.Equals(key, loop.Key, StringComparison.Ordinal))
                {
                    loop.Wake();
                    continue;
                }

                _loops.Remove(cluster);
                loop.Stop();

                // After Stop the loop writes nothing to the cluster again, so nothing undoes what the owner does here.
                _stopped(loop, stillWanted);
            }

            foreach (var (cluster, key) in wanted)
            {
                if (_loops.ContainsKey(cluster))
                {
                    continue;
                }

                var loop = _create(cluster, key);
                _loops.Add(cluster, loop);

                // Never run on the caller's thread (a configuration reload, or the host's start under this lock),
                // and do not carry the caller's async locals (such as its Activity) into a loop that outlives it.
                bool suppress = !ExecutionContext.IsFlowSuppressed();
                using (suppress ? ExecutionContext.SuppressFlow() : default(AsyncFlowControl?))
                {
                    loop.Task = Task.Run(() => _run(loop));
                }
            }
        }
    }
}

/// <summary>One cluster's background loop in a <see cref="ClusterLoopSet{TLoop}"/>: its cancellation, wake-up and first-attempt signals.</summary>
/// <param name="cluster">The cluster the loop works for.</param>
/// <param name="key">What the loop was started for (a service name, say); a different key means a new loop.</param>
internal abstract class ClusterLoop(Cluster cluster, string key)
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _wake = NewSignal();

    /// <summary>The cluster the loop works for.</summary>
    public Cluster Cluster { get; } = cluster;

    /// <summary>What the loop was started for.</summary>
    public string Key { get; } = key;

    /// <summary>Guards <see cref="Stopped"/>: take it around every write to the cluster, so that a stopped loop never writes again.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Whether the loop was stopped.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The loop's task.</summary>
    public Task Task { get; set; } = Task.CompletedTask;

    /// <summary>Cancelled when the loop is stopped.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Completes at the next <see cref="Wake"/>.</summary>
    public Task WakeSignal => Volatile.Read(ref _wake).Task;

    /// <summary>Completes when the loop's first attempt is done (or the loop ended).</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    /// <summary>Marks the first attempt done.</summary>
    public void CompleteFirstAttempt() => _firstAttempt.TrySetResult();

    /// <summary>Wakes a wait on <see cref="WakeSignal"/>, so the loop re-reads its settings (the registry was updated).</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();

    /// <summary>Stops the loop: no write after this returns, its work cancelled; the token is released when the loop ends.</summary>
    public void Stop()
    {
        lock (Gate)
        {
            if (Stopped)
            {
                return;
            }

            Stopped = true;
        }

        _stopping.Cancel();
        _ = Task.ContinueWith(
            static (_, state) => ((CancellationTokenSource)state!).Dispose(),
            _stopping,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
