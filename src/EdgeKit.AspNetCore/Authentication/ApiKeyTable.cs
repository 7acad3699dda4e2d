using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Security.Cryptography;
using EdgeKit.Auth;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// The configured API keys, immutable, looked up by hash: a frozen map from the hash's first 8 bytes to its
/// entries, each then compared in full with <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// </summary>
internal sealed class ApiKeyTable
{
    public static readonly ApiKeyTable Empty = new([]);

    private readonly FrozenDictionary<ulong, Entry[]> _entries;

    private ApiKeyTable(IEnumerable<Entry> entries)
    {
        _entries = entries.GroupBy(e => Prefix(e.Record.Hash.Span)).ToFrozenDictionary(g => g.Key, g => g.ToArray());
        Count = _entries.Sum(e => e.Value.Length);
    }

    public int Count { get; }

    /// <summary>Builds the table; each invalid entry is reported to <paramref name="errors"/> and left out.</summary>
    public static ApiKeyTable Build(IDictionary<string, ApiKeyOptions>? keys, List<string> errors)
    {
        var entries = new List<Entry>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (keyId, key) in keys ?? new Dictionary<string, ApiKeyOptions>())
        {
            string path = $"Keys['{keyId}']";
            if (key is null)
            {
                continue;
            }

            if (!ApiKeyHash.TryParse(key.Hash, out var hash))
            {
                errors.Add($"{path}: Hash must be the SHA-256 of the key as 64 hexadecimal characters.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(key.ClientId))
            {
                errors.Add($"{path}: ClientId is required.");
                continue;
            }

            if (seen.TryGetValue(key.Hash, out var other))
            {
                errors.Add($"{path}: has the same hash as Keys['{other}']; a key must map to one client.");
                continue;
            }

            seen.Add(key.Hash, keyId);
            var record = new ApiKeyRecord(keyId, hash, key.ClientId, key.Scopes, key.Tier, key.Revoked, key.NotAfter);
            entries.Add(new Entry(record, [.. (key.Roles ?? []).Where(r => !string.IsNullOrWhiteSpace(r))]));
        }

        return new ApiKeyTable(entries);
    }

    /// <summary>The entry whose hash is <paramref name="hash"/>, or <see langword="null"/>.</summary>
    public Entry? Find(ReadOnlySpan<byte> hash)
    {
        if (!_entries.TryGetValue(Prefix(hash), out var candidates))
        {
            return null;
        }

        Entry? found = null;
        foreach (var candidate in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate.Record.Hash.Span, hash))
            {
                found = candidate;
            }
        }

        return found;
    }

    private static ulong Prefix(ReadOnlySpan<byte> hash) => BinaryPrimitives.ReadUInt64LittleEndian(hash);

    /// <summary>A configured key: its record and the roles configuration grants it.</summary>
    public sealed record Entry(ApiKeyRecord Record, string[] Roles);
}
