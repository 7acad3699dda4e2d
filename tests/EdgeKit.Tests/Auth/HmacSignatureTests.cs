using EdgeKit.Auth;

namespace EdgeKit.Tests.Auth;

public class HmacSignatureTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void The_string_to_sign_is_the_documented_lines()
    {
        string text = HmacSignature.BuildStringToSign("post", "/orders/a%20b", "x=1&y=2", "k1", "n1",
            [new("Date", " Sun, 01 Jun 2025 12:00:00 GMT "), new("content-digest", "sha-256=:abc=:")]);

        text.Should().Be("EdgeKit-HMAC-SHA256\nPOST\n/orders/a%20b\nx=1&y=2\nk1\nn1\ndate:Sun, 01 Jun 2025 12:00:00 GMT\ncontent-digest:sha-256=:abc=:");
    }

    [Fact]
    public void The_content_digest_follows_RFC_9530()
    {
        HmacSignature.ComputeContentDigest([]).Should().Be("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
        HmacSignature.ComputeContentDigest("{\"hello\": \"world\"}"u8).Should().Be("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    }

    [Fact]
    public void A_signature_verifies_only_for_the_same_text_and_secret()
    {
        string signature = HmacSignature.Sign(Secret, "text");

        HmacSignature.Verify(Secret, "text", signature).Should().BeTrue();
        HmacSignature.Verify(Secret, "text2", signature).Should().BeFalse();
        HmacSignature.Verify(new byte[32], "text", signature).Should().BeFalse();
        HmacSignature.Verify(Secret, "text", "not base64!").Should().BeFalse();
        HmacSignature.Verify(Secret, "text", Convert.ToBase64String(new byte[16])).Should().BeFalse();
    }

    [Fact]
    public void The_authorization_header_round_trips()
    {
        string header = HmacSignature.FormatAuthorization("k1", "n1", ["Date", "content-digest"], "c2ln");

        header.Should().Be("EdgeKit-HMAC-SHA256 keyId=\"k1\", nonce=\"n1\", headers=\"date content-digest\", signature=\"c2ln\"");
        HmacSignature.TryParseAuthorization(header, out var parsed).Should().BeTrue();
        parsed.KeyId.Should().Be("k1");
        parsed.Nonce.Should().Be("n1");
        parsed.SignedHeaders.Should().Equal("date", "content-digest");
        parsed.Signature.Should().Be("c2ln");
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("EdgeKit-HMAC-SHA256 keyId=\"k1\", nonce=\"n1\", headers=\"date\"")]
    [InlineData("EdgeKit-HMAC-SHA256 keyId=\"k1\", keyId=\"k2\", nonce=\"n1\", headers=\"date\", signature=\"s\"")]
    [InlineData("EdgeKit-HMAC-SHA256 keyId=\"k1\", nonce=\"n1\", headers=\"date\", signature=\"s\", extra=\"x\"")]
    [InlineData("EdgeKit-HMAC-SHA256 keyId=k1, nonce=\"n1\", headers=\"date\", signature=\"s\"")]
    [InlineData("EdgeKit-HMAC-SHA256 keyId=\"k1")]
    public void Malformed_headers_do_not_parse(string header)
    {
        HmacSignature.TryParseAuthorization(header, out _).Should().BeFalse();
    }
}
