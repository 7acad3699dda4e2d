namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>
/// Several <see cref="BackendInstance"/>s of one service, named <c>b0</c>, <c>b1</c>, ..., started together
/// and stopped and disposed together.
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    /// <summary>How long <see cref="WaitForArrivalsAsync"/> waits before failing the test instead of hanging it.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _arrivals = new(0);

    private TestBackend()
    {
    }

    /// <summary>The instances, in order of their names.</summary>
    public IReadOnlyList<BackendInstance> Instances { get; private set; } = [];

    /// <summary>The instance at <paramref name="index"/>.</summary>
    public BackendInstance this[int index] => Instances[index];

    /// <summary>Requests received by every instance together.</summary>
    public int TotalRequests => Instances.Sum(i => i.Requests);

    /// <summary>Requests received, by instance name.</summary>
    public Dictionary<string, int> RequestCounts => Instances.ToDictionary(i => i.Name, i => i.Requests);

    /// <summary>Starts <paramref name="count"/> instances.</summary>
    public static async Task<TestBackend> StartAsync(int count)
    {
        var backend = new TestBackend();
        var started = await Task.WhenAll(Enumerable.Range(0, count)
            .Select(i => BackendInstance.StartAsync($"b{i}", () => backend._arrivals.Release())));
        backend.Instances = started;
        return backend;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> more requests have arrived, across all instances, than every
    /// earlier call waited for. Fails after <see cref="WaitLimit"/> rather than hanging.
    /// </summary>
    public async Task WaitForArrivalsAsync(int count)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        for (int i = 0; i < count; i++)
        {
            try
            {
                await _arrivals.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Only {i} of {count} expected requests arrived within {WaitLimit.TotalSeconds} s.");
            }
        }
    }

    /// <summary>Releases the requests every instance holds.</summary>
    public void ReleaseHeldRequests()
    {
        foreach (var instance in Instances)
        {
            instance.ReleaseHeldRequests();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Instances.Select(i => i.DisposeAsync().AsTask()));
        _arrivals.Dispose();
    }
}
