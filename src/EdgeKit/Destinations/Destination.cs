using System.Collections.Frozen;

namespace EdgeKit.Destinations;

/// <summary>
/// The immutable description of one instance of a service: where it is, how much traffic it takes
/// relative to its peers, and free-form metadata (for example its zone).
/// </summary>
/// <remarks>
/// A destination is configuration, not live state. Its in-flight count, latency and health live in
/// <see cref="DestinationState"/>, which survives configuration reloads for as long as a destination
/// with the same <see cref="Id"/> stays in the cluster.
/// </remarks>
public sealed class Destination : IEquatable<Destination>
{
    /// <summary>The smallest weight a destination may have.</summary>
    public const int MinWeight = 1;

    /// <summary>The largest weight a destination may have.</summary>
    public const int MaxWeight = 10_000;

    /// <summary>The weight a destination gets when none is given.</summary>
    public const int DefaultWeight = 1;

    /// <summary>The metadata key conventionally holding a destination's zone.</summary>
    public const string ZoneMetadataKey = "zone";

    private static readonly FrozenDictionary<string, string> s_noMetadata =
        FrozenDictionary<string, string>.Empty;

    /// <summary>Creates a destination.</summary>
    /// <param name="id">A stable identifier, unique within its cluster.</param>
    /// <param name="address">An absolute <c>http</c> or <c>https</c> address; its path, if any, is a prefix joined before each request's path.</param>
    /// <param name="weight">The relative share of traffic, from <see cref="MinWeight"/> to <see cref="MaxWeight"/>; default <see cref="DefaultWeight"/>.</param>
    /// <param name="metadata">Free-form metadata; copied.</param>
    /// <param name="healthAddress">A separate absolute http(s) address for active health probes; <see langword="null"/> probes <paramref name="address"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or an address is not an absolute http(s) address without query or fragment.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is outside the allowed range.</exception>
    public Destination(string id, Uri address, int weight = DefaultWeight, IReadOnlyDictionary<string, string>? metadata = null, Uri? healthAddress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(address);
        if (ValidateAddress(address) is { } error)
        {
            throw new ArgumentException($"Destination '{id}': {error}", nameof(address));
        }

        if (healthAddress is not null && ValidateAddress(healthAddress) is { } healthError)
        {
            throw new ArgumentException($"Destination '{id}': health {healthError}", nameof(healthAddress));
        }

        if (weight is < MinWeight or > MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight,
                $"Destination '{id}': weight must be between {MinWeight} and {MaxWeight}.");
        }

        Id = id;
        Address = address;
        HealthAddress = healthAddress;
        Weight = weight;
        Metadata = metadata is null || metadata.Count == 0
            ? s_noMetadata
            : metadata.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        PathPrefix = address.AbsolutePath.TrimEnd('/');
        Authority = address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        Prefix = Authority + PathPrefix;
    }

    /// <summary>Creates a destination whose id is its address.</summary>
    /// <param name="address">An absolute http(s) address.</param>
    /// <param name="weight">The relative share of traffic.</param>
    public Destination(Uri address, int weight = DefaultWeight)
        : this(address?.ToString() ?? throw new ArgumentNullException(nameof(address)), address, weight)
    {
    }

    /// <summary>The identifier, unique within the cluster; state is kept across reloads by this id.</summary>
    public string Id { get; }

    /// <summary>The absolute address requests are sent to.</summary>
    public Uri Address { get; }

    /// <summary>The address active health probes go to; <see langword="null"/> when probes go to <see cref="Address"/>.</summary>
    public Uri? HealthAddress { get; }

    /// <summary>The relative share of traffic for weighted strategies.</summary>
    public int Weight { get; }

    /// <summary>Free-form metadata, compared case-insensitively by key.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The zone from <see cref="Metadata"/> (key <c>zone</c>), or <see langword="null"/>.</summary>
    public string? Zone => Metadata.TryGetValue(ZoneMetadataKey, out var zone) ? zone : null;

    /// <summary>The address's path without its trailing slash (<c>""</c> when the address has no path), e.g. <c>/api</c>.</summary>
    public string PathPrefix { get; }

    /// <summary>Scheme, host and port of the address, escaped as in a URI, e.g. <c>http://10.0.0.1:8080</c>.</summary>
    public string Authority { get; }

    /// <summary>
    /// <see cref="Authority"/> then <see cref="PathPrefix"/>, e.g. <c>http://10.0.0.1:8080/api</c>: where a transport
    /// appends an outgoing request's path (which starts with <c>/</c>) and query.
    /// </summary>
    public string Prefix { get; }

    /// <summary>Checks that <paramref name="address"/> can be a destination address.</summary>
    /// <returns><see langword="null"/> when valid, otherwise a sentence saying what is wrong.</returns>
    internal static string? ValidateAddress(Uri address)
    {
        if (!address.IsAbsoluteUri)
        {
            return $"address '{address}' must be absolute, e.g. 'http://10.0.0.1:8080'.";
        }

        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            return $"address '{address}' must use http or https, not '{address.Scheme}'.";
        }

        if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment))
        {
            return $"address '{address}' must not have a query or fragment.";
        }

        if (!string.IsNullOrEmpty(address.UserInfo))
        {
            return $"address '{address}' must not carry credentials.";
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Equals(Destination? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Id == other.Id
                && Address == other.Address
                && HealthAddress == other.HealthAddress
                && Weight == other.Weight
                && Metadata.Count == other.Metadata.Count
                && Metadata.All(kv => other.Metadata.TryGetValue(kv.Key, out var v) && v == kv.Value)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Destination);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Address, Weight);

    /// <inheritdoc/>
    public override string ToString() => $"{Id} ({Address}, weight {Weight})";
}
