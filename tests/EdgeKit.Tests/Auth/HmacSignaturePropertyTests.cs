using System.Diagnostics;
using CsCheck;
using EdgeKit.Auth;
using EdgeKit.PropertyTesting;

namespace EdgeKit.Tests.Auth;

/// <summary>Properties of the <c>EdgeKit-HMAC-SHA256</c> authorization header: its parser, its writer and the signature check.</summary>
public sealed class HmacSignaturePropertyTests
{
    private static readonly Gen<string> s_token = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"].Array[1, 20].Select(c => new string(c));

    /// <summary>A nonce: anything but a double quote (the writer does not escape, the reader stops at the first quote).</summary>
    private static readonly Gen<string> s_nonce = HostileText.String(30).Select(s => s.Replace("\"", "", StringComparison.Ordinal)).Where(s => s.Length > 0);

    private static readonly Gen<string> s_signature = Gen.Byte.Array[32].Select(Convert.ToBase64String);

    [Fact]
    public void TryParseAuthorization_never_throws_and_accepts_only_complete_values()
    {
        var text = HostileText.Mixed(HmacSignature.Scheme + " ", "keyId=\"", "nonce=\"", "headers=\"", "signature=\"", "\"", ", ", "=", "date content-digest");
        Gen.OneOf<string>(text, text.Select(t => HmacSignature.Scheme + " " + t)).Sample(value =>
        {
            if (HmacSignature.TryParseAuthorization(value, out var parsed)
                && (string.IsNullOrEmpty(parsed.KeyId) || string.IsNullOrEmpty(parsed.Nonce) || string.IsNullOrEmpty(parsed.Signature) || parsed.SignedHeaders is null
                    || parsed.SignedHeaders.Any(h => h.Length == 0 || h.Contains(' ', StringComparison.Ordinal))))
            {
                throw new InvalidOperationException($"'{value}' parsed as an incomplete authorization");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void FormatAuthorization_reads_back_as_written()
    {
        Gen.Select(s_token, s_nonce, s_token.Array[0, 6], s_signature).Sample((keyId, nonce, headers, signature) =>
        {
            string value = HmacSignature.FormatAuthorization(keyId, nonce, headers, signature);
            if (!HmacSignature.TryParseAuthorization(value, out var parsed)
                || parsed.KeyId != keyId || parsed.Nonce != nonce || parsed.Signature != signature
                || !parsed.SignedHeaders.SequenceEqual(headers.Select(h => h.ToLowerInvariant())))
            {
                throw new InvalidOperationException($"'{value}' did not read back");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void Verify_never_throws_and_accepts_exactly_the_signature_of_the_text()
    {
        byte[] secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Gen.Select(HostileText.String(60), Gen.OneOf<string>(HostileText.String(60), s_signature)).Sample((text, candidate) =>
        {
            string signature = HmacSignature.Sign(secret, text);
            if (!HmacSignature.Verify(secret, text, signature) || HmacSignature.Verify(secret, text, candidate) != (candidate == signature))
            {
                throw new InvalidOperationException($"'{candidate}' against '{signature}'");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void TryParseAuthorization_is_linear_on_huge_inputs()
    {
        var clock = Stopwatch.StartNew();
        foreach (string text in HostileText.Huge(", ", "a=\"b\", ", "\"", "="))
        {
            _ = HmacSignature.TryParseAuthorization(HmacSignature.Scheme + " " + text, out _);
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }
}
