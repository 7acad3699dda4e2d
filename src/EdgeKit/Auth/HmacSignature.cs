using System.Security.Cryptography;
using System.Text;

namespace EdgeKit.Auth;

/// <summary>
/// EdgeKit's HMAC request signature, shared by the signing <see cref="HttpClient"/> handler and the gateway's
/// verifying scheme. The request carries
/// <c>Authorization: EdgeKit-HMAC-SHA256 keyId="…", nonce="…", headers="date content-digest …", signature="…"</c>,
/// a <c>Date</c> header and an RFC 9530 <c>Content-Digest: sha-256=:…:</c> of its body. The signature is the
/// base64 HMAC-SHA256, under the key's secret, of <see cref="BuildStringToSign"/>'s text.
/// </summary>
public static class HmacSignature
{
    /// <summary>The authorization scheme: <c>EdgeKit-HMAC-SHA256</c>.</summary>
    public const string Scheme = "EdgeKit-HMAC-SHA256";

    /// <summary>The header that carries the body digest (RFC 9530): <c>Content-Digest</c>.</summary>
    public const string ContentDigestHeader = "Content-Digest";

    /// <summary>The headers every signature covers: <c>date</c> and <c>content-digest</c>.</summary>
    public static IReadOnlyList<string> RequiredHeaders { get; } = ["date", "content-digest"];

    /// <summary>The RFC 9530 <c>Content-Digest</c> value of <paramref name="body"/>: <c>sha-256=:&lt;base64&gt;:</c>.</summary>
    /// <param name="body">The body's bytes (empty for none).</param>
    /// <returns>The header value.</returns>
    public static string ComputeContentDigest(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return "sha-256=:" + Convert.ToBase64String(hash) + ":";
    }

    /// <summary>
    /// The text that is signed: lines joined by <c>\n</c>: the scheme; the method in upper case; the request path
    /// exactly as sent (percent-encoded); the query exactly as sent, without <c>?</c>; the key id; the nonce; then
    /// <c>name:value</c> for each signed header, names in lower case, in the order listed, values trimmed and
    /// several values joined by <c>", "</c>.
    /// </summary>
    /// <param name="method">The request method.</param>
    /// <param name="path">The path as sent on the wire (for example <c>/orders/a%20b</c>).</param>
    /// <param name="query">The query as sent, without the leading <c>?</c>; empty for none.</param>
    /// <param name="keyId">The key id.</param>
    /// <param name="nonce">The nonce.</param>
    /// <param name="headers">The signed headers' names and values, in order.</param>
    /// <returns>The text to sign.</returns>
    public static string BuildStringToSign(string method, string path, string query, string keyId, string nonce, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(headers);
        var text = new StringBuilder(256);
        text.Append(Scheme).Append('\n')
            .Append(method.ToUpperInvariant()).Append('\n')
            .Append(path).Append('\n')
            .Append(query).Append('\n')
            .Append(keyId).Append('\n')
            .Append(nonce);
        foreach (var (name, value) in headers)
        {
            text.Append('\n').Append(name.ToLowerInvariant()).Append(':').Append(value.Trim());
        }

        return text.ToString();
    }

    /// <summary>The base64 HMAC-SHA256 of <paramref name="stringToSign"/> under <paramref name="secret"/>.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="stringToSign">The text from <see cref="BuildStringToSign"/>.</param>
    /// <returns>The signature.</returns>
    public static string Sign(ReadOnlySpan<byte> secret, string stringToSign)
    {
        ArgumentNullException.ThrowIfNull(stringToSign);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(stringToSign), mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>Whether <paramref name="signature"/> is the signature of <paramref name="stringToSign"/>, compared in constant time.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="stringToSign">The text rebuilt from the received request.</param>
    /// <param name="signature">The base64 signature received.</param>
    /// <returns>Whether they match.</returns>
    public static bool Verify(ReadOnlySpan<byte> secret, string stringToSign, string signature)
    {
        ArgumentNullException.ThrowIfNull(stringToSign);
        ArgumentNullException.ThrowIfNull(signature);
        Span<byte> received = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(signature, received, out int written) || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(stringToSign), expected);
        return CryptographicOperations.FixedTimeEquals(expected, received);
    }

    /// <summary>The <c>Authorization</c> header value for a signature.</summary>
    /// <param name="keyId">The key id.</param>
    /// <param name="nonce">The nonce.</param>
    /// <param name="signedHeaders">The signed headers' names, in order.</param>
    /// <param name="signature">The base64 signature.</param>
    /// <returns>The header value, scheme included.</returns>
    public static string FormatAuthorization(string keyId, string nonce, IEnumerable<string> signedHeaders, string signature) =>
        $"{Scheme} keyId=\"{keyId}\", nonce=\"{nonce}\", headers=\"{string.Join(' ', signedHeaders.Select(h => h.ToLowerInvariant()))}\", signature=\"{signature}\"";

    /// <summary>Parses an <c>Authorization</c> header value of this scheme.</summary>
    /// <param name="value">The whole header value.</param>
    /// <param name="authorization">The parameters, when the value is well formed.</param>
    /// <returns>Whether the value is this scheme and carries every parameter exactly once.</returns>
    public static bool TryParseAuthorization(string? value, out HmacAuthorization authorization)
    {
        authorization = default;
        if (value is null || !value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string? keyId = null, nonce = null, headers = null, signature = null;
        var rest = value.AsSpan(Scheme.Length + 1);
        while (!rest.IsEmpty)
        {
            rest = rest.TrimStart(" ,");
            if (rest.IsEmpty)
            {
                break;
            }

            int eq = rest.IndexOf('=');
            if (eq <= 0 || eq + 1 >= rest.Length || rest[eq + 1] != '"')
            {
                return false;
            }

            var name = rest[..eq].Trim();
            rest = rest[(eq + 2)..];
            int end = rest.IndexOf('"');
            if (end < 0)
            {
                return false;
            }

            string parameter = rest[..end].ToString();
            rest = rest[(end + 1)..];
            ref string? slot = ref keyId;
            if (name.Equals("keyId", StringComparison.OrdinalIgnoreCase))
            {
                slot = ref keyId;
            }
            else if (name.Equals("nonce", StringComparison.OrdinalIgnoreCase))
            {
                slot = ref nonce;
            }
            else if (name.Equals("headers", StringComparison.OrdinalIgnoreCase))
            {
                slot = ref headers;
            }
            else if (name.Equals("signature", StringComparison.OrdinalIgnoreCase))
            {
                slot = ref signature;
            }
            else
            {
                return false;
            }

            if (slot is not null)
            {
                return false; // a parameter given twice
            }

            slot = parameter;
        }

        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(nonce) || headers is null || string.IsNullOrEmpty(signature))
        {
            return false;
        }

        authorization = new HmacAuthorization(keyId, nonce, headers.Split(' ', StringSplitOptions.RemoveEmptyEntries), signature);
        return true;
    }
}
