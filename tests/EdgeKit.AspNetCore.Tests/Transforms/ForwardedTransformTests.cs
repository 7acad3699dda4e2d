using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transforms;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Transforms;

public sealed class ForwardedTransformTests
{
    private static async Task<string?> Apply(ForwardedTransform transform, string remote, int remotePort, string host = "api.example.com", string scheme = "https", string? incoming = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Connection.RemotePort = remotePort;
        context.Connection.LocalIpAddress = IPAddress.Parse("10.1.1.1");
        context.Connection.LocalPort = 443;
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        using var request = new HttpRequestMessage();
        if (incoming is not null)
        {
            request.Headers.TryAddWithoutValidation("Forwarded", incoming);
        }

        await transform.ApplyAsync(new RequestTransformContext(context, request, "http://backend"));
        return request.Headers.TryGetValues("Forwarded", out var values) ? string.Join(" | ", values) : null;
    }

    private static ForwardedTransform Make(ForwardedNodeFormat forFormat = ForwardedNodeFormat.Ip, ForwardedNodeFormat byFormat = ForwardedNodeFormat.None, bool proto = true, bool host = true, ForwardedHeaderAction action = ForwardedHeaderAction.Append, params string[] proxies) =>
        new(action, forFormat, byFormat, proto, host, TrustedProxies.Parse(proxies, "p", []));

    [Fact]
    public async Task IPv4_is_a_token_and_IPv6_ports_and_host_with_port_are_quoted()
    {
        (await Apply(Make(), "192.0.2.60", 4711, "example.com", "http")).Should().Be("for=192.0.2.60;proto=http;host=example.com");
        (await Apply(Make(ForwardedNodeFormat.IpAndPort), "192.0.2.60", 4711)).Should().Be("for=\"192.0.2.60:4711\";proto=https;host=api.example.com");
        (await Apply(Make(), "2001:db8:cafe::17", 4711, "api.example.com:8443")).Should().Be("for=\"[2001:db8:cafe::17]\";proto=https;host=\"api.example.com:8443\"");
        (await Apply(Make(ForwardedNodeFormat.IpAndPort), "2001:db8:cafe::17", 4711)).Should().Be("for=\"[2001:db8:cafe::17]:4711\";proto=https;host=api.example.com");
        (await Apply(Make(), "::ffff:192.0.2.60", 1)).Should().StartWith("for=192.0.2.60;", "an IPv4-mapped address is written as IPv4");
    }

    [Fact]
    public async Task Obfuscated_and_unknown_identifiers_follow_RFC_7239_section_6()
    {
        (await Apply(Make(ForwardedNodeFormat.Random, proto: false, host: false), "192.0.2.60", 1)).Should().MatchRegex("^for=_[A-Za-z0-9]{8}$");
        (await Apply(Make(ForwardedNodeFormat.RandomAndPort, proto: false, host: false), "192.0.2.60", 4711)).Should().MatchRegex("^for=\"_[A-Za-z0-9]{8}:4711\"$");
        (await Apply(Make(ForwardedNodeFormat.Unknown, ForwardedNodeFormat.Ip, proto: false, host: false), "192.0.2.60", 1)).Should().Be("for=unknown;by=10.1.1.1");
        var first = await Apply(Make(ForwardedNodeFormat.Random, proto: false, host: false), "192.0.2.60", 1);
        var second = await Apply(Make(ForwardedNodeFormat.Random, proto: false, host: false), "192.0.2.60", 1);
        first.Should().NotBe(second, "a random identifier is new for each request");
    }

    [Fact]
    public async Task Append_keeps_a_known_proxys_elements_and_replaces_anyone_elses()
    {
        const string incoming = "for=203.0.113.9;proto=https";
        (await Apply(Make(proxies: "10.0.0.0/8"), "10.2.3.4", 1, incoming: incoming)).Should().Be("for=203.0.113.9;proto=https, for=10.2.3.4;proto=https;host=api.example.com");
        (await Apply(Make(proxies: "10.0.0.0/8"), "192.0.2.1", 1, incoming: incoming)).Should().Be("for=192.0.2.1;proto=https;host=api.example.com");
        (await Apply(Make(action: ForwardedHeaderAction.Set, proxies: "10.0.0.0/8"), "10.2.3.4", 1, incoming: incoming)).Should().Be("for=10.2.3.4;proto=https;host=api.example.com");
        (await Apply(Make(action: ForwardedHeaderAction.Remove), "10.2.3.4", 1, incoming: incoming)).Should().BeNull();
        (await Apply(Make(action: ForwardedHeaderAction.Off), "10.2.3.4", 1, incoming: incoming)).Should().Be(incoming);
    }

    [Fact]
    public async Task Configured_gateway_wide_Forwarded_reaches_the_backend_and_a_route_can_choose_its_parameters()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = backend.Address,
            ["ForwardedHeaders:Forwarded"] = "Set",
            ["ForwardedHeaders:XForwarded"] = "Off",
            ["Routes:all:Match:Path"] = "/all/{**rest}",
            ["Routes:all:Cluster"] = "c",
            ["Routes:some:Match:Path"] = "/some/{**rest}",
            ["Routes:some:Cluster"] = "c",
            ["Routes:some:Transforms:0:Forwarded"] = "for,by",
            ["Routes:some:Transforms:0:ForFormat"] = "IpAndPort",
        });
        string authority = new Uri(gateway.Address).Authority;
        var request = new HttpRequestMessage(HttpMethod.Get, "/all/x");
        request.Headers.Add("Forwarded", "for=6.6.6.6");
        request.Headers.Add("X-Forwarded-For", "7.7.7.7");

        var all = (await (await gateway.Client.SendAsync(request)).Content.ReadFromJsonAsync<JsonObject>())!["headers"]!.AsObject();
        var some = (await gateway.Client.GetFromJsonAsync<JsonObject>("/some/x"))!["headers"]!.AsObject();

        all["forwarded"]![0]!.GetValue<string>().Should().Be($"for=127.0.0.1;proto=http;host=\"{authority}\"");
        all["x-forwarded-for"]![0]!.GetValue<string>().Should().Be("7.7.7.7", "XForwarded Off passes the client's value through");
        some["forwarded"]![0]!.GetValue<string>().Should().MatchRegex("^for=\"127\\.0\\.0\\.1:[0-9]+\";by=127\\.0\\.0\\.1$");
    }
}
