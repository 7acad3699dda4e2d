namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// Keeps thread-pool workers beyond one per processor (<see cref="Configuration.GatewayOptions.ReloadThreadReserve"/>), so that a
/// configuration reload that blocks a pool thread does not stall the requests.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Configuration's <c>FileConfigurationProvider</c> follows its file with
/// <c>ChangeToken.OnChange(() =&gt; FileProvider.Watch(path), () =&gt; { Thread.Sleep(ReloadDelay); Load(reload: true); })</c>,
/// and <c>PhysicalFilesWatcher</c> fires that token from a task on the default scheduler: the 250 ms sleep, the file
/// read and every reload callback after it (the gateway's rebuild among them) run on one thread-pool thread. With one
/// processor the pool's minimum is one worker and <c>Thread.Sleep</c> does not tell the pool that it blocks, so requests
/// wait until the sleep ends. The sleep is inside Microsoft's provider, out of EdgeKit's reach; a spare worker is
/// the remedy. The gateway's own rebuild never blocks (it takes no lock a request takes and waits for nothing).
/// </remarks>
internal static class ReloadThreadReserve
{
    /// <summary>Raises the pool's minimum worker count to the processor count plus <paramref name="reserve"/> if it is lower.</summary>
    /// <returns>The minimum worker count set, or <see langword="null"/> when it was already high enough.</returns>
    public static int? Ensure(int reserve) => Ensure(reserve, Environment.ProcessorCount, ReadMinimum, (workers, io) => ThreadPool.SetMinThreads(workers, io));

    /// <summary>The rule, with the thread pool passed in (tests).</summary>
    internal static int? Ensure(int reserve, int processors, Func<(int Workers, int Io)> readMinimum, Func<int, int, bool> setMinimum)
    {
        if (reserve <= 0)
        {
            return null;
        }

        var (workers, io) = readMinimum();
        int wanted = processors + reserve;
        if (workers >= wanted)
        {
            return null;
        }

        // SetMinThreads refuses a minimum above the maximum; the pool then keeps what it has.
        return setMinimum(wanted, io) ? wanted : null;
    }

    private static (int Workers, int Io) ReadMinimum()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        return (workers, io);
    }
}
