using EdgeKit.Auth;

namespace EdgeKit.Tests.Auth;

public class HeaderTextTests
{
    [Theory]
    [InlineData("https://issuer.example", "https://issuer.example")]
    [InlineData("tab\tand space", "tab\tand space")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("\"\\", "\\\"\\\\")]
    [InlineData("cr\rlf\nnul\0del\u007f", "cr?lf?nul?del?")]
    [InlineData("é ü 日本", "? ? ??")]
    [InlineData("😀", "??")]
    [InlineData("", "")]
    public void Quoted_string_content_escapes_quotes_and_backslashes_and_replaces_what_a_header_cannot_carry(string value, string expected)
    {
        string content = HeaderText.ToQuotedStringContent(value);

        content.Should().Be(expected);
        HeaderText.IsVisibleAscii(content.Replace("\t", " ", StringComparison.Ordinal)).Should().BeTrue();
    }

    [Fact]
    public void A_clean_value_is_returned_as_is()
    {
        string value = "The signature is invalid.";

        HeaderText.ToQuotedStringContent(value).Should().BeSameAs(value);
    }

    [Theory]
    [InlineData("X-Api-Key")]
    [InlineData("Authorization")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("!#$%&'*+-.^_`|~")]
    [InlineData("key-2026.v1")]
    public void A_token_is_letters_digits_and_the_fifteen_rfc_9110_symbols(string name)
    {
        HeaderText.IsToken(name).Should().BeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("X Api")]
    [InlineData("X-Api:")]
    [InlineData("\"quoted\"")]
    [InlineData("a(b)")]
    [InlineData("a,b")]
    [InlineData("a/b")]
    [InlineData("a;b")]
    [InlineData("a=b")]
    [InlineData("a@b")]
    [InlineData("a[b]")]
    [InlineData("a{b}")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("tab\t")]
    [InlineData("line\r\n")]
    [InlineData("del\u007f")]
    [InlineData("caf\u00e9")]
    public void Anything_else_is_not_a_token(string name)
    {
        HeaderText.IsToken(name).Should().BeFalse();
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("Bearer abc.def-ghi_~+/=", true)]
    [InlineData(" !~", true)]
    [InlineData("tab\there", false)]
    [InlineData("cr\r", false)]
    [InlineData("lf\n", false)]
    [InlineData("nul\0", false)]
    [InlineData("del\u007f", false)]
    [InlineData("caf\u00e9", false)]
    [InlineData("\ud83d\ude00", false)]
    public void Visible_ascii_is_the_printable_characters_and_the_space(string value, bool expected)
    {
        HeaderText.IsVisibleAscii(value).Should().Be(expected);
    }

    [Fact]
    public void Quoted_string_content_of_null_is_refused_naming_the_argument()
    {
        var act = () => HeaderText.ToQuotedStringContent(null!);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("value");
    }
}
