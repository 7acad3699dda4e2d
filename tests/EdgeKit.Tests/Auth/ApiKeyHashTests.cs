using EdgeKit.Auth;

namespace EdgeKit.Tests.Auth;

public class ApiKeyHashTests
{
    [Fact]
    public void The_hash_is_the_lowercase_hex_SHA256_of_the_UTF8_key()
    {
        ApiKeyHash.Compute("abc").Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        ApiKeyHash.Compute("clé").Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("clé"u8)));
    }

    [Fact]
    public void Hashes_parse_in_either_case_and_nothing_else_does()
    {
        ApiKeyHash.TryParse("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", out var hash).Should().BeTrue();
        Convert.ToHexStringLower(hash).Should().Be(ApiKeyHash.Compute("abc"));
        ApiKeyHash.TryParse("ba7816bf", out _).Should().BeFalse();
        ApiKeyHash.TryParse(new string('g', 64), out _).Should().BeFalse();
        ApiKeyHash.TryParse(null, out _).Should().BeFalse();
    }

    [Fact]
    public void Empty_and_overlong_keys_are_refused()
    {
        var empty = () => ApiKeyHash.Compute("");
        var long_ = () => ApiKeyHash.Compute(new string('k', 513));

        empty.Should().Throw<ArgumentException>().WithMessage("An API key must have between 1 and 512 characters, had 0.*");
        long_.Should().Throw<ArgumentException>().WithMessage("An API key must have between 1 and 512 characters, had 513.*");
        ApiKeyHash.Compute(new string('€', 512)).Should().HaveLength(64);
    }

    [Fact]
    public void A_record_copies_its_hash_and_checks_its_length()
    {
        byte[] hash = new byte[32];
        var record = new ApiKeyRecord("k1", hash, "client", ["a", " ", "b"], tier: " ");
        hash[0] = 1;

        record.Hash.Span[0].Should().Be(0);
        record.Scopes.Should().Equal("a", "b");
        record.Tier.Should().BeNull();
        var act = () => new ApiKeyRecord("k1", new byte[16], "client");
        act.Should().Throw<ArgumentException>().WithMessage("An API key hash has 32 bytes (SHA-256), this one has 16.*");
    }
}
