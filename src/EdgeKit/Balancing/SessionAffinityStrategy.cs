using System.Collections.Frozen;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>
/// Session affinity: a request key keeps going to the destination it is bound to while that destination is
/// available; everything else is placed by the fallback strategy.
/// </summary>
/// <remarks>
/// <para><b>Placement.</b> A request without a key goes to the fallback strategy
/// (<see cref="SessionAffinityOptions.FallbackStrategy"/>, default <see cref="LoadBalancingStrategyNames.PowerOfTwoChoices"/>)
/// and binds nothing. A key seen for the first time, a key idle for longer than
/// <see cref="SessionAffinityOptions.IdleTimeout"/>, and a key whose destination has left the cluster or is
/// unavailable (unhealthy) are placed by the fallback and bound to where it sent them. A re-bound key stays on its
/// new destination: it does not go back when its old destination recovers or returns (as Envoy's and YARP's
/// affinity, which never move a session that works). The fallback's picker is built from the same snapshot, with
/// the previous fallback picker when the fallback strategy is unchanged.</para>
/// <para><b>Bindings</b> map keys (compared case-sensitively) to destination ids (compared as the cluster does,
/// ignoring case), in a <see cref="SessionAffinityTable"/> carried from picker to picker, so they survive changes of
/// destinations, health and settings (while the strategy stays <see cref="LoadBalancingStrategyNames.SessionAffinity"/>).
/// A destination that leaves and comes back under the same id before its keys return gets them back.</para>
/// <para><b>Expiry and cap.</b> Idle time is measured with <see cref="PickContext.Timestamp"/> and the cluster's
/// <see cref="TimeProvider.TimestampFrequency"/>. A use is recorded only when the clock moved by more than 1/1024 of
/// the idle timeout since the last recorded one (saving a shared write per request on a hot key), so a key is
/// forgotten after between 1023/1024 of the timeout and the timeout. Past
/// <see cref="SessionAffinityOptions.MaxKeys"/>, each new key evicts the least recently used keys (see
/// <see cref="SessionAffinityTable"/> for the approximation and how far the cap can be overshot under concurrency);
/// an evicted key that returns is placed afresh, possibly elsewhere.</para>
/// <para><b>Cost.</b> A bound key costs one dictionary lookup for the key and one for its destination id, and
/// allocates nothing; binding a new key allocates its entry.</para>
/// </remarks>
internal sealed class SessionAffinityStrategy : ILoadBalancingStrategy
{
    /// <summary>A use is recorded only when it is this fraction of the idle timeout past the last recorded one.</summary>
    internal const int TouchGranularityDivisor = 1024;

    public string Name => LoadBalancingStrategyNames.SessionAffinity;

    public bool ReadsRequestKey => true;

    public IEnumerable<string> Validate(LoadBalancingOptions settings, LoadBalancingStrategyCollection strategies)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(strategies);
        var affinity = settings.SessionAffinity;
        if (string.IsNullOrWhiteSpace(affinity.FallbackStrategy))
        {
            yield return "LoadBalancing.SessionAffinity.FallbackStrategy is empty.";
        }
        else if (string.Equals(affinity.FallbackStrategy, Name, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"LoadBalancing.SessionAffinity.FallbackStrategy cannot be {Name} itself.";
        }
        else if (!strategies.TryGet(affinity.FallbackStrategy, out var fallback))
        {
            yield return $"LoadBalancing.SessionAffinity.FallbackStrategy is an {strategies.UnknownStrategyMessage(affinity.FallbackStrategy)}";
        }
        else
        {
            // The fallback places keys with the same settings: it checks its own.
            foreach (var problem in fallback.Validate(settings, strategies))
            {
                yield return problem;
            }
        }

        if (affinity.IdleTimeout <= TimeSpan.Zero)
        {
            yield return $"LoadBalancing.SessionAffinity.IdleTimeout must be positive, was {affinity.IdleTimeout}.";
        }

        if (affinity.MaxKeys < 1)
        {
            yield return $"LoadBalancing.SessionAffinity.MaxKeys must be at least 1, was {affinity.MaxKeys}.";
        }
    }

    public DestinationPicker CreatePicker(ClusterSnapshot snapshot, DestinationPicker? previous)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var options = snapshot.LoadBalancing.SessionAffinity;
        // Validation has ruled out an unknown fallback and session affinity itself.
        var fallbackStrategy = snapshot.Strategies.Get(options.FallbackStrategy);
        var before = previous as Picker;
        var previousFallback = before is not null && string.Equals(before.FallbackStrategy.Name, fallbackStrategy.Name, StringComparison.OrdinalIgnoreCase)
            ? before.Fallback
            : null;
        var fallback = fallbackStrategy.CreatePicker(snapshot, previousFallback);
        var available = snapshot.AvailableDestinations.ToFrozenDictionary(d => d.Id, StringComparer.OrdinalIgnoreCase);
        long idleTicks = ToTimestampTicks(options.IdleTimeout, snapshot.TimeProvider.TimestampFrequency);
        return new Picker(
            before?.Table ?? new SessionAffinityTable(),
            available,
            fallbackStrategy,
            fallback,
            options.MaxKeys,
            idleTicks);
    }

    /// <summary>A duration in timestamp units, rounded up; huge durations are capped so that comparisons cannot overflow.</summary>
    internal static long ToTimestampTicks(TimeSpan duration, long frequency)
    {
        double ticks = Math.Ceiling(duration.TotalSeconds * frequency);
        return ticks >= long.MaxValue / 4 ? long.MaxValue / 4 : Math.Max(1, (long)ticks);
    }

    internal sealed class Picker : DestinationPicker
    {
        private readonly FrozenDictionary<string, DestinationState> _available;
        private readonly int _maxKeys;
        private readonly long _idleTicks;
        private readonly long _touchTicks;

        internal Picker(
            SessionAffinityTable table,
            FrozenDictionary<string, DestinationState> available,
            ILoadBalancingStrategy fallbackStrategy,
            DestinationPicker fallback,
            int maxKeys,
            long idleTicks)
        {
            Table = table;
            _available = available;
            FallbackStrategy = fallbackStrategy;
            Fallback = fallback;
            _maxKeys = maxKeys;
            _idleTicks = idleTicks;
            _touchTicks = Math.Max(1, idleTicks / TouchGranularityDivisor);
        }

        /// <summary>The bindings, shared with the pickers of the cluster's earlier and later snapshots.</summary>
        internal SessionAffinityTable Table { get; }

        /// <summary>The strategy that places unbound keys and requests without a key.</summary>
        internal ILoadBalancingStrategy FallbackStrategy { get; }

        /// <summary>The fallback strategy's picker for this snapshot.</summary>
        internal DestinationPicker Fallback { get; }

        public override DestinationState? Pick(in PickContext context)
        {
            string? key = context.RequestKey;
            if (key is null)
            {
                return Fallback.Pick(in context);
            }

            long now = context.Timestamp;
            if (Table.TryGet(key, out var binding))
            {
                string boundId = binding.DestinationId;
                if (now - binding.LastUsed <= _idleTicks && _available.TryGetValue(boundId, out var bound))
                {
                    binding.Touch(now, _touchTicks);
                    return bound;
                }

                // Idle too long, or its destination is gone or unavailable: place it afresh and re-bind it.
                var placed = Fallback.Pick(in context);
                if (placed is null || binding.TryRebind(boundId, placed.Id, now))
                {
                    return placed;
                }

                // Another request re-bound it first: follow that binding when it can be followed.
                return _available.TryGetValue(binding.DestinationId, out var winner) ? winner : placed;
            }

            var first = Fallback.Pick(in context);
            if (first is null)
            {
                return null;
            }

            var added = Table.Add(key, first.Id, now, _maxKeys);
            string addedId = added.DestinationId;
            if (ReferenceEquals(addedId, first.Id))
            {
                return first;
            }

            // Another request bound the key first: join it.
            return _available.TryGetValue(addedId, out var other) ? other : first;
        }
    }
}
