using EdgeKit.AspNetCore.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Balancing;

public class HttpContextPickContextTests
{
    private static DefaultHttpContext Context(string? header = null, string? cookie = null)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers["X-User"] = header;
        }

        if (cookie is not null)
        {
            context.Request.Headers.Cookie = cookie;
        }

        return context;
    }

    [Fact]
    public void Reads_the_header_before_the_cookie()
    {
        var options = new RequestKeyOptions { Header = "X-User", Cookie = "sid" };

        HttpContextPickContext.ReadKey(Context("alice", "sid=s1").Request, options).Should().Be("alice");
        HttpContextPickContext.ReadKey(Context(cookie: "a=1; sid=s1").Request, options).Should().Be("s1");
        HttpContextPickContext.ReadKey(Context().Request, options).Should().BeNull();
        HttpContextPickContext.ReadKey(Context(header: "").Request, options).Should().BeNull();
    }

    [Fact]
    public void Creates_a_context_with_the_cluster_clock_and_key_only_when_the_cluster_uses_keys()
    {
        var time = new FakeTimeProvider();
        var keyed = new Cluster("c", [new Destination("a", new Uri("http://127.0.0.1:1"))],
            new LoadBalancingOptions { RequestKey = { Header = "X-User" } }, new ClusterEnvironment(time));
        var plain = new Cluster("p", [new Destination("a", new Uri("http://127.0.0.1:1"))], environment: new ClusterEnvironment(time));

        var withKey = HttpContextPickContext.Create(Context("alice"), keyed.Snapshot);
        var withoutKey = HttpContextPickContext.Create(Context("alice"), plain.Snapshot);

        withKey.RequestKey.Should().Be("alice");
        withKey.Timestamp.Should().Be(time.GetTimestamp());
        withoutKey.RequestKey.Should().BeNull();
    }
}
