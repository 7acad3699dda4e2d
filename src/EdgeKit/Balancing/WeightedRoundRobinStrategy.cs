using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// Smooth weighted round robin, nginx's algorithm: for weights 5, 1, 1 the order is a a b a c a a.
/// </summary>
/// <remarks>
/// nginx runs the algorithm under a lock on every pick. The sequence is periodic with period
/// sum(weights / gcd), so it is computed once per snapshot and a pick is one interlocked increment and
/// one array read. Very large weight sums are scaled down to keep the table bounded (shares then hold
/// to within one entry in <see cref="MaxSequenceLength"/>).
/// </remarks>
internal sealed class WeightedRoundRobinStrategy : ILoadBalancingStrategy
{
    /// <summary>The longest precomputed sequence.</summary>
    public const int MaxSequenceLength = 1 << 16;

    public string Name => LoadBalancingStrategyNames.WeightedRoundRobin;

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous)
    {
        var destinations = ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!;
        var sequence = BuildSequence(ImmutableCollectionsMarshal.AsArray(snapshot.EffectiveWeights)!);
        return new Picker(destinations, sequence, (previous as Picker)?.Counter ?? new SharedCounter());
    }

    /// <summary>nginx's smooth weighted round robin, run for one full period.</summary>
    internal static int[] BuildSequence(int[] weights)
    {
        if (weights.Length == 0)
        {
            return [];
        }

        int gcd = weights.Aggregate(0, (g, w) => Gcd(g, w));
        var reduced = weights.Select(w => w / gcd).ToArray();
        long total = reduced.Sum(w => (long)w);
        if (total > MaxSequenceLength)
        {
            double scale = (double)MaxSequenceLength / total;
            reduced = reduced.Select(w => Math.Max(1, (int)Math.Round(w * scale))).ToArray();
            total = reduced.Sum(w => (long)w);
        }

        var sequence = new int[total];
        var current = new long[reduced.Length];
        for (int k = 0; k < sequence.Length; k++)
        {
            int best = -1;
            for (int i = 0; i < reduced.Length; i++)
            {
                current[i] += reduced[i];
                if (best < 0 || current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            sequence[k] = best;
        }

        return sequence;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    internal sealed class Picker(DestinationState[] destinations, int[] sequence, SharedCounter counter) : DestinationPicker
    {
        internal SharedCounter Counter { get; } = counter;

        public override DestinationState? Pick(in PickContext context)
        {
            var order = sequence;
            if (order.Length == 0)
            {
                return null;
            }

            return destinations[order[Counter.Next() % (uint)order.Length]];
        }
    }
}
