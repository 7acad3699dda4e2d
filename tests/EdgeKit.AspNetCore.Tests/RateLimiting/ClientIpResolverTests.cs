using System.Net;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.RateLimiting;

public sealed class ClientIpResolverTests
{
    private static HttpContext Request(string remote, params string[] forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (forwardedFor.Length > 0)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return context;
    }

    private static readonly ClientIpResolver s_resolver = new(TrustedProxies.Parse(["10.0.0.1", "192.168.0.0/16"], "p", []), "X-Forwarded-For");

    [Theory]
    [InlineData("203.0.113.5", new[] { "198.51.100.1" }, "203.0.113.5")] // untrusted peer: header ignored
    [InlineData("10.0.0.1", new[] { "198.51.100.1" }, "198.51.100.1")]
    [InlineData("10.0.0.1", new[] { "6.6.6.6, 198.51.100.1" }, "198.51.100.1")] // the client's own entry is ignored
    [InlineData("10.0.0.1", new[] { "198.51.100.1, 192.168.1.7" }, "198.51.100.1")] // a chain of trusted proxies
    [InlineData("10.0.0.1", new[] { "198.51.100.1", "192.168.1.7" }, "198.51.100.1")] // several header lines
    [InlineData("10.0.0.1", new[] { "198.51.100.1:4711" }, "198.51.100.1")]
    [InlineData("10.0.0.1", new[] { "[2001:db8::1]:443" }, "2001:db8::1")]
    [InlineData("10.0.0.1", new[] { "not-an-ip" }, "10.0.0.1")] // garbage: the last known hop
    [InlineData("10.0.0.1", new[] { "192.168.1.7" }, "192.168.1.7")] // every hop trusted: the leftmost
    [InlineData("::ffff:10.0.0.1", new[] { "198.51.100.1" }, "198.51.100.1")] // IPv4-mapped peer
    [InlineData("10.0.0.1", new string[0], "10.0.0.1")]
    public void Resolves_the_client_address(string remote, string[] forwardedFor, string expected)
    {
        s_resolver.Resolve(Request(remote, forwardedFor))!.ToString().Should().Be(expected);
    }

    [Fact]
    public void Without_a_connection_address_there_is_no_client_address()
    {
        s_resolver.Resolve(new DefaultHttpContext()).Should().BeNull();
    }
}
