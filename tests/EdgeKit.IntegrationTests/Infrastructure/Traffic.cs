namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>Sends bounded numbers of requests.</summary>
internal static class Traffic
{
    /// <summary>The requests in flight at once by default.</summary>
    public const int DefaultConcurrency = 8;

    /// <summary>Runs <paramref name="send"/> <paramref name="count"/> times, <paramref name="concurrency"/> at a time, and returns the results in call order.</summary>
    public static async Task<T[]> RunAsync<T>(int count, Func<int, Task<T>> send, int concurrency = DefaultConcurrency)
    {
        var results = new T[count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) => results[i] = await send(i));
        return results;
    }

    /// <summary>Sends <paramref name="count"/> GETs of <c>/</c> through <paramref name="client"/> and counts the answers by instance.</summary>
    public static async Task<Dictionary<string, int>> DistributionAsync(EchoClient client, int count, int concurrency = DefaultConcurrency)
    {
        var echoes = await RunAsync(count, _ => client.GetAsync(), concurrency);
        return echoes.GroupBy(e => e.Instance).ToDictionary(g => g.Key, g => g.Count());
    }
}
