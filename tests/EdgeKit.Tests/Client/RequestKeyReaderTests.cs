using EdgeKit.Client;
using EdgeKit.Configuration;

namespace EdgeKit.Tests.Client;

public class RequestKeyReaderTests
{
    private static HttpRequestMessage Request(Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/");
        configure?.Invoke(request);
        return request;
    }

    [Fact]
    public void An_explicit_option_wins_over_header_and_cookie()
    {
        var request = Request(r =>
        {
            r.Headers.Add("X-User", "from-header");
            r.Headers.Add("Cookie", "sid=from-cookie");
            r.Options.Set(EdgeKitRequestOptions.RequestKey, "explicit");
        });

        RequestKeyReader.Read(request, new RequestKeyOptions { Header = "X-User", Cookie = "sid" }).Should().Be("explicit");
    }

    [Fact]
    public void The_header_comes_before_the_cookie()
    {
        var request = Request(r =>
        {
            r.Headers.Add("X-User", "from-header");
            r.Headers.Add("Cookie", "sid=from-cookie");
        });

        RequestKeyReader.Read(request, new RequestKeyOptions { Header = "X-User", Cookie = "sid" }).Should().Be("from-header");
        RequestKeyReader.Read(request, new RequestKeyOptions { Cookie = "sid" }).Should().Be("from-cookie");
    }

    [Fact]
    public void No_source_gives_no_key()
    {
        RequestKeyReader.Read(Request(), new RequestKeyOptions { Header = "X-User", Cookie = "sid" }).Should().BeNull();
        RequestKeyReader.Read(Request(r => r.Headers.Add("X-User", "a")), new RequestKeyOptions()).Should().BeNull();
    }

    [Theory]
    [InlineData("sid=abc", "sid", "abc")]
    [InlineData("a=1; sid=abc; b=2", "sid", "abc")]
    [InlineData("a=1;sid=abc", "sid", "abc")]
    [InlineData(" sid = \"quoted\" ", "sid", "quoted")]
    [InlineData("sidx=1; xsid=2", "sid", null)]
    [InlineData("SID=upper", "sid", null)]
    [InlineData("sid=", "sid", null)]
    [InlineData("garbage; ;=; sid=ok", "sid", "ok")]
    public void Finds_a_cookie_value(string header, string name, string? expected)
    {
        RequestKeyReader.FindCookie(header, name).Should().Be(expected);
    }
}
