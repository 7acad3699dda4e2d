using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// RFC 7515 §4.1.11: a JWS whose <c>crit</c> header lists an extension the recipient does not understand must be
/// rejected, and <c>crit</c> must be a non-empty array of extension names that are not the specification's own header
/// parameters. Microsoft.IdentityModel does not check it; the preset does, after the signature.
/// </summary>
internal static class JwtCriticalHeader
{
    /// <summary>The extensions the validator understands and applies: none (for example, <c>b64</c> of RFC 7797 is not supported).</summary>
    private static readonly HashSet<string> s_understood = new(StringComparer.Ordinal);

    /// <summary>The header parameters that RFC 7515 §4.1 and RFC 7516 §4.1 define, which <c>crit</c> must not list.</summary>
    private static readonly HashSet<string> s_standard = new(StringComparer.Ordinal)
    {
        "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
        "enc", "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
    };

    /// <summary>
    /// Checks the <c>crit</c> parameter of the token's protected header (<paramref name="encodedHeader"/>, base64url).
    /// </summary>
    /// <param name="encodedHeader">The token's first segment.</param>
    /// <param name="reason">When refused: <c>crit_malformed</c> or <c>crit_unsupported</c>, for logs and metrics.</param>
    /// <param name="description">When refused: a sentence saying why, for the optional error details (not yet escaped).</param>
    /// <returns>Whether the token may be accepted: no <c>crit</c>, or one listing only understood extensions.</returns>
    public static bool IsAcceptable(string encodedHeader, out string reason, out string description)
    {
        reason = "";
        description = "";
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(encodedHeader.Length));
        try
        {
            int written = Base64Url.DecodeFromChars(encodedHeader, buffer);
            return Check(buffer.AsSpan(0, written), ref reason, ref description);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            // IdentityModel parsed this header already; a failure here means it is not what the RFC allows.
            reason = "crit_malformed";
            description = "The token's header is not a JSON object.";
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool Check(ReadOnlySpan<byte> json, ref string reason, ref string description)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException();
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("crit"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return Malformed(ref reason, ref description, "The token's crit header parameter is not an array.");
            }

            int count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                count++;
                if (reader.TokenType != JsonTokenType.String)
                {
                    return Malformed(ref reason, ref description, "The token's crit header parameter lists something other than a name.");
                }

                string name = reader.GetString()!;
                name = name.Length <= 100 ? name : name[..100] + "...";
                if (s_standard.Contains(name))
                {
                    return Malformed(ref reason, ref description, $"The token's crit header parameter lists '{name}', which is a standard header parameter, not an extension.");
                }

                if (!s_understood.Contains(name))
                {
                    reason = "crit_unsupported";
                    description = $"The token's crit header parameter lists '{name}', an extension the gateway does not understand.";
                    return false;
                }
            }

            if (count == 0)
            {
                return Malformed(ref reason, ref description, "The token's crit header parameter is an empty array.");
            }
        }

        return true;
    }

    private static bool Malformed(ref string reason, ref string description, string text)
    {
        reason = "crit_malformed";
        description = text;
        return false;
    }
}
