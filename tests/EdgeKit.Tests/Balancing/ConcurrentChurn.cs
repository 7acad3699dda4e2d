using System.Collections.Concurrent;
using EdgeKit.Balancing;
using EdgeKit.Destinations;

namespace EdgeKit.Tests.Balancing;

/// <summary>
/// Many threads pick from a cluster while another changes its destinations; every pick is checked afterwards
/// against the destinations that were available in the snapshots it could have read.
/// </summary>
internal static class ConcurrentChurn
{
    public sealed record Result(int Picks, int Changes, IReadOnlyList<string> Problems);

    /// <param name="cluster">The cluster; its random source must be thread-safe.</param>
    /// <param name="pickers">How many threads pick.</param>
    /// <param name="changes">How many changes the changing thread makes; picking stops after the last.</param>
    /// <param name="change">Makes change number i to the cluster.</param>
    /// <param name="key">The request key of a picker's n-th pick.</param>
    /// <param name="holdInFlight">Whether a pick starts a request that ends a few picks later (so loads are non-zero).</param>
    public static Result Run(Cluster cluster, int pickers, int changes, Action<Cluster, int> change, Func<int, int, string?> key, bool holdInFlight = false)
    {
        const int MaxPicksPerThread = 400_000;
        var availableByVersion = new ConcurrentDictionary<long, HashSet<string>>();
        Record(cluster, availableByVersion);
        var problems = new ConcurrentQueue<string>();
        int done = 0;
        var all = new ConcurrentBag<(int Thread, List<(long From, long To, string? Id)> Seen)>();

        var threads = Enumerable.Range(0, pickers).Select(thread => new Thread(() =>
        {
            var seen = new List<(long From, long To, string? Id)>();
            var held = new Queue<DestinationState>();
            try
            {
                for (int n = 0; n < MaxPicksPerThread && Volatile.Read(ref done) == 0; n++)
                {
                    long from = cluster.Snapshot.Version;
                    var context = new PickContext(cluster.Environment.TimeProvider.GetTimestamp(), key(thread, n));
                    var picked = cluster.Pick(in context);
                    long to = cluster.Snapshot.Version;
                    seen.Add((from, to, picked?.Id));
                    if (holdInFlight && picked is not null)
                    {
                        picked.BeginRequest();
                        held.Enqueue(picked);
                        if (held.Count > 8)
                        {
                            held.Dequeue().EndRequest(0, 1, RequestOutcome.Success);
                        }
                    }
                }
            }
            catch (Exception e)
            {
                problems.Enqueue($"thread {thread}: {e}");
            }
            finally
            {
                while (held.Count > 0)
                {
                    held.Dequeue().EndRequest(0, 1, RequestOutcome.Success);
                }

                all.Add((thread, seen));
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        try
        {
            for (int i = 0; i < changes; i++)
            {
                change(cluster, i);
                Record(cluster, availableByVersion);
                Thread.Yield();
            }
        }
        finally
        {
            Volatile.Write(ref done, 1);
            threads.ForEach(t => t.Join());
        }

        int picks = 0;
        foreach (var (thread, seen) in all)
        {
            picks += seen.Count;
            foreach (var (from, to, id) in seen)
            {
                if (id is null)
                {
                    problems.Enqueue($"thread {thread}: no destination between versions {from} and {to}");
                    continue;
                }

                bool known = false;
                for (long version = from; version <= to && !known; version++)
                {
                    known = availableByVersion.TryGetValue(version, out var ids) && ids.Contains(id);
                }

                if (!known)
                {
                    problems.Enqueue($"thread {thread}: {id} was not available in any version from {from} to {to}");
                }
            }
        }

        return new Result(picks, changes, problems.Take(20).ToList());
    }

    /// <summary>Destinations d0..d{count-1} without those in <paramref name="removed"/>.</summary>
    public static IEnumerable<Destination> Destinations(int count, ISet<int> removed) =>
        Enumerable.Range(0, count)
            .Where(i => !removed.Contains(i))
            .Select(i => new Destination($"d{i}", new Uri($"http://10.0.0.{i + 1}:8080")));

    /// <summary>Removes a destination on even changes and brings back the oldest removed on odd ones (never fewer than 2).</summary>
    public static Action<Cluster, int> AddAndRemove(int count, int seed)
    {
        var random = new Random(seed);
        var removed = new List<int>();
        return (cluster, i) =>
        {
            if (i % 2 == 0 && count - removed.Count > 2)
            {
                int victim;
                do
                {
                    victim = random.Next(count);
                }
                while (removed.Contains(victim));
                removed.Add(victim);
            }
            else if (removed.Count > 0)
            {
                removed.RemoveAt(0);
            }

            cluster.UpdateDestinations(Destinations(count, removed.ToHashSet()));
        };
    }

    private static void Record(Cluster cluster, ConcurrentDictionary<long, HashSet<string>> availableByVersion)
    {
        var snapshot = cluster.Snapshot;
        availableByVersion[snapshot.Version] = snapshot.AvailableDestinations.Select(d => d.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
