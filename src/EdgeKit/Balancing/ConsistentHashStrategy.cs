using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// Consistent hashing of the request key through a weighted <see cref="MaglevTable"/> of the available
/// destinations, with optional bounded load.
/// </summary>
/// <remarks>
/// <para><b>Table.</b> Built once per snapshot from the available destinations and their weights; a pick hashes the
/// key (XxHash3 over its characters, no allocation) and reads one slot. The size is
/// <see cref="MaglevTable.ChooseSize"/> of the cluster's destination count (all of them, so that a health change
/// never resizes the table): <see cref="ConsistentHashOptions.TableSize"/> raised to a prime when that is at least
/// 100 × destinations, otherwise <see cref="MaglevTable.DefaultSize"/> (65,537 up to 512 destinations).
/// A destination that leaves, or becomes unavailable, moves its own keys and few others; when it comes back
/// its keys come back. Every instance given the same destinations builds the same table.</para>
/// <para><b>No key.</b> A request without a key goes to a random slot: a random available destination, with
/// probability proportional to weight.</para>
/// <para><b>Bounded load</b> (<see cref="ConsistentHashOptions.BoundedLoadFactor"/> c; Mirrokni, Thorup and
/// Zadimoghaddam, "Consistent Hashing with Bounded Loads", as in Google's and HAProxy's). With T the requests in
/// flight on the available destinations, W their total weight and w a destination's weight, the destination's
/// capacity is ceil(c × (T + 1) × w ÷ W): c times its fair share of the load including this request (with equal
/// weights, ceil(c × (T + 1) ÷ N)). The pick walks the key's preference order (its slot, then the following slots
/// of the table, wrapping) and takes the first destination whose in-flight count is below its capacity, so
/// that once this request starts no destination exceeds its capacity. Since the capacities add up to more than
/// T + 1, one always exists; if concurrent picks race so that the walk finds none, the destination with the
/// fewest in-flight requests per unit of weight is taken. An idle key destination is taken at once; otherwise the
/// pick sums the in-flight counts of the available destinations (one read each).</para>
/// </remarks>
internal sealed class ConsistentHashStrategy : ILoadBalancingStrategy
{
    public string Name => LoadBalancingStrategyNames.ConsistentHash;

    public bool ReadsRequestKey => true;

    public IEnumerable<string> Validate(LoadBalancingOptions settings, LoadBalancingStrategyCollection strategies)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var hash = settings.ConsistentHash;
        if (hash.TableSize is { } size && (size < 1 || size > ConsistentHashOptions.MaxTableSize))
        {
            yield return $"LoadBalancing.ConsistentHash.TableSize must be between 1 and {ConsistentHashOptions.MaxTableSize}, was {size}.";
        }

        if (hash.BoundedLoadFactor is { } factor && (!(factor > 1) || double.IsInfinity(factor)))
        {
            yield return $"LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was {factor}.";
        }
    }

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var destinations = ImmutableCollectionsMarshal.AsArray(snapshot.AvailableDestinations)!;
        if (destinations.Length == 0)
        {
            return Picker.Empty;
        }

        var options = snapshot.LoadBalancing.ConsistentHash;
        var ids = new string[destinations.Length];
        var weights = new int[destinations.Length];
        for (int i = 0; i < destinations.Length; i++)
        {
            var destination = destinations[i].Destination;
            ids[i] = destination.Id;
            weights[i] = destination.Weight;
        }

        int size = MaglevTable.ChooseSize(snapshot.AllDestinations.Length, options.TableSize);

        // A table is immutable: when the available destinations, their order and weights, and the size are the
        // same as the previous snapshot's (a reload or discovery refresh that changed nothing, a change of
        // settings other than the size), its table is reused rather than rebuilt.
        var table = previous is Picker { Table: { } last } before && last.Size == size && before.Matches(ids, weights)
            ? last
            : new MaglevTable(ids, weights, size);
        return new Picker(destinations, ids, weights, table, options.BoundedLoadFactor, snapshot.Random);
    }

    internal sealed class Picker : DestinationPicker
    {
        internal static readonly Picker Empty = new();

        private readonly DestinationState[] _destinations;
        private readonly string[] _ids;
        private readonly int[] _weights;
        private readonly MaglevTable? _table;
        private readonly Random? _random;

        // Bounded load: c × weight ÷ total weight per destination, so that capacity = ceil(share × (T + 1)).
        // Null when the load is not bounded.
        private readonly double[]? _capacityShares;

        private Picker()
        {
            _destinations = [];
            _ids = [];
            _weights = [];
        }

        internal Picker(DestinationState[] destinations, string[] ids, int[] weights, MaglevTable table, double? boundedLoadFactor, Random random)
        {
            _destinations = destinations;
            _ids = ids;
            _weights = weights;
            _table = table;
            _random = random;
            if (boundedLoadFactor is { } factor)
            {
                long totalWeight = 0;
                foreach (int weight in weights)
                {
                    totalWeight += weight;
                }

                _capacityShares = new double[weights.Length];
                for (int i = 0; i < weights.Length; i++)
                {
                    _capacityShares[i] = factor * weights[i] / totalWeight;
                }
            }
        }

        /// <summary>The table this picker reads (<see langword="null"/> when no destination is available).</summary>
        internal MaglevTable? Table => _table;

        /// <summary>The destinations the table's entries index.</summary>
        internal ReadOnlySpan<DestinationState> Destinations => _destinations;

        public override DestinationState? Pick(in PickContext context)
        {
            var table = _table;
            if (table is null)
            {
                return null;
            }

            string? key = context.RequestKey;
            int slot = key is null ? _random!.Next(table.Size) : table.SlotOf(MaglevTable.HashKey(key));
            int index = table[slot];
            return _capacityShares is null ? _destinations[index] : PickBounded(table, slot, index);
        }

        /// <summary>Whether this picker's table was built from exactly these ids (ordinal, in order) and weights.</summary>
        internal bool Matches(string[] ids, int[] weights) =>
            _ids.AsSpan().SequenceEqual(ids) && _weights.AsSpan().SequenceEqual(weights);

        /// <summary>The slot of a key, for tests and diagnostics.</summary>
        internal int SlotOf(string key) => _table!.SlotOf(MaglevTable.HashKey(key));

        private DestinationState PickBounded(MaglevTable table, int slot, int index)
        {
            var destinations = _destinations;
            var shares = _capacityShares!;
            var first = destinations[index];
            int firstLoad = first.InFlight;
            if (firstLoad <= 0)
            {
                // Every capacity is at least 1.
                return first;
            }

            long total = 0;
            foreach (var destination in destinations)
            {
                total += destination.InFlight;
            }

            // in-flight < ceil(x) ⇔ in-flight < x for an integer in-flight: compare against x, no rounding.
            double load = total + 1;
            if (firstLoad < shares[index] * load)
            {
                return first;
            }

            int size = table.Size;
            int previous = index;
            for (int step = 1; step < size; step++)
            {
                if (++slot == size)
                {
                    slot = 0;
                }

                int candidate = table[slot];
                if (candidate != previous)
                {
                    previous = candidate;
                    var destination = destinations[candidate];
                    if (destination.InFlight < shares[candidate] * load)
                    {
                        return destination;
                    }
                }
            }

            return LeastLoaded();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private DestinationState LeastLoaded()
        {
            var destinations = _destinations;
            var best = destinations[0];
            int bestLoad = best.InFlight;
            for (int i = 1; i < destinations.Length; i++)
            {
                var candidate = destinations[i];
                int load = candidate.InFlight;
                if (LoadComparison.IsLessLoaded(load, candidate.Destination.Weight, bestLoad, best.Destination.Weight))
                {
                    best = candidate;
                    bestLoad = load;
                }
            }

            return best;
        }
    }
}
