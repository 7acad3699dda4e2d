using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace EdgeKit.AspNetCore.Affinity;

/// <summary>
/// Issues and checks affinity values for one cluster. With configured keys a value is
/// <c>base64url(destination id) "." base64url(HMAC-SHA256(key, cluster "\n" id))</c>: deterministic, so the value for
/// each destination is computed once and checked with a constant-time comparison. With Data Protection the value issued
/// for each destination is cached. In both modes a value found genuine is remembered (a bounded cache), so a returning
/// client costs one lookup: nothing decoded, signed or allocated per request.
/// </summary>
internal sealed class AffinityValueProtector
{
    private const int MaxRemembered = 4096;
    private readonly string _cluster;
    private readonly byte[][] _keys;
    private readonly IDataProtector? _protector;
    private readonly ConcurrentDictionary<string, string> _issued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _verified = new(StringComparer.Ordinal);

    public AffinityValueProtector(string cluster, IReadOnlyList<byte[]> keys, IDataProtectionProvider? dataProtection)
    {
        _cluster = cluster;
        _keys = keys.ToArray();
        if (_keys.Length == 0)
        {
            _protector = (dataProtection ?? throw new InvalidOperationException("Session affinity without Keys needs ASP.NET Core Data Protection."))
                .CreateProtector("EdgeKit.SessionAffinity", cluster);
        }
    }

    /// <summary>The value that names <paramref name="destinationId"/>.</summary>
    public string Issue(string destinationId)
    {
        if (_issued.TryGetValue(destinationId, out var value))
        {
            return value;
        }

        value = _protector is { } protector
            ? protector.Protect(destinationId)
            : Sign(_keys[0], destinationId);
        if (_issued.Count < MaxRemembered)
        {
            _issued.TryAdd(destinationId, value);
        }

        return value;
    }

    /// <summary>The destination a value names, when the value is genuine and the destination is in <paramref name="snapshot"/>.</summary>
    public bool TryRead(string value, ClusterSnapshot snapshot, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DestinationState? destination)
    {
        destination = null;
        return TryReadId(value, snapshot, out var id) && snapshot.TryGetDestination(id, out destination);
    }

    private bool TryReadId(string value, ClusterSnapshot snapshot, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? destinationId)
    {
        destinationId = null;
        if (string.IsNullOrEmpty(value) || value.Length > 2048)
        {
            return false;
        }

        // A value seen before and found genuine: one lookup, nothing decoded, signed or allocated.
        if (_verified.TryGetValue(value, out destinationId))
        {
            return true;
        }

        if (_protector is { } protector)
        {
            try
            {
                destinationId = protector.Unprotect(value);
            }
            catch (CryptographicException)
            {
                return false;
            }
            catch (FormatException)
            {
                return false;
            }

            Remember(value, destinationId);
            return true;
        }

        int dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        string id;
        try
        {
            id = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(value, 0, dot));
        }
        catch (FormatException)
        {
            return false;
        }

        // Only ids of real destinations are signed and compared, so a client cannot fill the caches with made-up ids.
        if (!snapshot.TryGetDestination(id, out _))
        {
            return false;
        }

        foreach (var key in _keys)
        {
            string expected = ReferenceEquals(key, _keys[0]) ? Issue(id) : Sign(key, id);
            if (CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected.AsSpan()), MemoryMarshal.AsBytes(value.AsSpan())))
            {
                destinationId = id;
                Remember(value, id);
                return true;
            }
        }

        return false;
    }

    /// <summary>Only genuine values are remembered, and only so many, so a client cannot grow the cache.</summary>
    private void Remember(string value, string destinationId)
    {
        if (_verified.Count < MaxRemembered)
        {
            _verified.TryAdd(value, destinationId);
        }
    }

    private string Sign(byte[] key, string destinationId)
    {
        byte[] message = Encoding.UTF8.GetBytes(_cluster + "\n" + destinationId);
        byte[] mac = HMACSHA256.HashData(key, message);
        return WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(destinationId)) + "." + WebEncoders.Base64UrlEncode(mac);
    }
}
