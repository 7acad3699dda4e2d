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
}
