using System.Security.Cryptography;
using System.Text;

namespace EdgeKit.Auth;

/// <summary>
/// The form in which EdgeKit stores API keys: the SHA-256 of the key's UTF-8 bytes, as 64 hexadecimal characters.
/// Configuration and stores hold only these hashes, never the keys themselves.
/// </summary>
public static class ApiKeyHash
{
    /// <summary>The length of a hash in bytes: 32.</summary>
    public const int SizeInBytes = SHA256.HashSizeInBytes;

    /// <summary>The longest API key accepted, in characters: 512. Longer keys are rejected without being hashed.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Computes the hash of <paramref name="key"/> as 64 lowercase hexadecimal characters, the form configuration holds.</summary>
    /// <param name="key">The API key.</param>
    /// <returns>The hexadecimal SHA-256 of the key's UTF-8 bytes.</returns>
    /// <exception cref="ArgumentException">When <paramref name="key"/> is empty or longer than <see cref="MaxKeyLength"/>.</exception>
    public static string Compute(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[SizeInBytes];
        if (!TryCompute(key, hash))
        {
            throw new ArgumentException($"An API key must have between 1 and {MaxKeyLength} characters, had {key.Length}.", nameof(key));
        }

        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Writes the SHA-256 of <paramref name="key"/>'s UTF-8 bytes to <paramref name="destination"/>, without allocating.</summary>
    /// <param name="key">The API key.</param>
    /// <param name="destination">At least <see cref="SizeInBytes"/> bytes.</param>
    /// <returns><see langword="false"/> when the key is empty or longer than <see cref="MaxKeyLength"/>.</returns>
    public static bool TryCompute(ReadOnlySpan<char> key, Span<byte> destination)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength || destination.Length < SizeInBytes)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)]; // at most 1,539 bytes
        int length = Encoding.UTF8.GetBytes(key, utf8);
        SHA256.HashData(utf8[..length], destination);
        CryptographicOperations.ZeroMemory(utf8[..length]);
        return true;
    }

    /// <summary>Parses a hash written as 64 hexadecimal characters (either case).</summary>
    /// <param name="hex">The hexadecimal hash.</param>
    /// <param name="hash">The 32 bytes, when the text is a valid hash.</param>
    /// <returns>Whether <paramref name="hex"/> is a valid hash.</returns>
    public static bool TryParse(string? hex, out byte[] hash)
    {
        hash = [];
        if (hex is null || hex.Length != SizeInBytes * 2)
        {
            return false;
        }

        foreach (char c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        hash = Convert.FromHexString(hex);
        return true;
    }
}
