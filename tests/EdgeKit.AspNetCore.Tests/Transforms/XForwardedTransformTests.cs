using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transforms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Transforms;

public sealed class XForwardedTransformTests
{
    private static Dictionary<string, string?> OneRoute(string address) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Routes:r:Match:Path"] = "/{**rest}",
        ["Routes:r:Cluster"] = "c",
    };

    private static async Task<JsonObject> SendForged(GatewayHost gateway, string path = "/x")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "forged.example");
        request.Headers.Add("X-Forwarded-Prefix", "/forged");
        using var response = await gateway.Client.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["headers"]!.AsObject();
    }

    private static string? Header(JsonObject headers, string name) => headers[name] is JsonArray values ? string.Join(" | ", values.Select(v => v!.GetValue<string>())) : null;

    [Fact]
    public async Task By_default_an_untrusted_client_cannot_forge_X_Forwarded_headers()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(OneRoute(backend.Address));

        var headers = await SendForged(gateway);

        Header(headers, "x-forwarded-for").Should().Be("127.0.0.1");
        Header(headers, "x-forwarded-proto").Should().Be("http");
        Header(headers, "x-forwarded-host").Should().Be(new Uri(gateway.Address).Authority);
        headers.ContainsKey("x-forwarded-prefix").Should().BeFalse("the gateway has no path base, and the forged one is dropped");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.0/8")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task A_known_proxys_values_are_kept_and_extended(string knownProxy)
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["ForwardedHeaders:KnownProxies:0"] = "10.9.9.9";
        settings["ForwardedHeaders:KnownProxies:1"] = knownProxy;
        await using var gateway = await GatewayHost.StartAsync(settings);

        var headers = await SendForged(gateway);

        Header(headers, "x-forwarded-for").Should().Be("6.6.6.6, 127.0.0.1");
        Header(headers, "x-forwarded-proto").Should().Be("https, http");
        Header(headers, "x-forwarded-host").Should().Be("forged.example, " + new Uri(gateway.Address).Authority);
        Header(headers, "x-forwarded-prefix").Should().Be("/forged");
    }

    [Fact]
    public async Task A_proxy_outside_the_known_networks_is_not_trusted()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["ForwardedHeaders:KnownProxies:0"] = "10.0.0.0/8";
        settings["ForwardedHeaders:KnownProxies:1"] = "::1";
        await using var gateway = await GatewayHost.StartAsync(settings);

        Header(await SendForged(gateway), "x-forwarded-for").Should().Be("127.0.0.1");
    }

    [Fact]
    public async Task Set_replaces_even_a_known_proxys_values_and_the_prefix_is_the_path_base()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        settings["ForwardedHeaders:XForwarded"] = "Set";
        await using var gateway = await GatewayHost.StartAsync(settings, configureApp: app =>
        {
            app.UsePathBase("/base");
            app.UseRouting();
        });

        var headers = await SendForged(gateway, "/base/x");

        Header(headers, "x-forwarded-for").Should().Be("127.0.0.1");
        Header(headers, "x-forwarded-proto").Should().Be("http");
        Header(headers, "x-forwarded-prefix").Should().Be("/base");
    }

    [Fact]
    public async Task A_route_can_turn_headers_off_remove_them_or_rename_them()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = OneRoute(backend.Address);
        settings["Routes:r:Transforms:0:X-Forwarded"] = "Remove";
        settings["Routes:r:Transforms:0:For"] = "Set";
        settings["Routes:r:Transforms:0:Host"] = "Off";
        settings["Routes:r:Transforms:0:HeaderPrefix"] = "X-Original-";
        await using var gateway = await GatewayHost.StartAsync(settings);
        var request = new HttpRequestMessage(HttpMethod.Get, "/x");
        request.Headers.Add("X-Original-Host", "client.example");
        request.Headers.Add("X-Original-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");

        var headers = (await (await gateway.Client.SendAsync(request)).Content.ReadFromJsonAsync<JsonObject>())!["headers"]!.AsObject();

        Header(headers, "x-original-for").Should().Be("127.0.0.1");
        Header(headers, "x-original-host").Should().Be("client.example", "Off passes the client's value through untouched");
        headers.ContainsKey("x-original-proto").Should().BeFalse();
        Header(headers, "x-forwarded-for").Should().Be("6.6.6.6", "the route's X-Forwarded replaces the default, and uses other names");
    }

    [Fact]
    public async Task Appending_builds_one_value_from_every_incoming_line()
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.2");
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "1.1.1.1");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "2.2.2.2");
        var errors = new List<string>();
        var proxies = TrustedProxies.Parse(["10.0.0.0/24"], "p", errors);
        var transform = new XForwardedTransform("X-Forwarded-", ForwardedHeaderAction.Append, ForwardedHeaderAction.Off, ForwardedHeaderAction.Off, ForwardedHeaderAction.Off, proxies);

        await transform.ApplyAsync(new RequestTransformContext(context, request, "http://backend"));

        request.Headers.GetValues("X-Forwarded-For").Should().Equal("1.1.1.1, 2.2.2.2, 10.0.0.2");
        errors.Should().BeEmpty();
    }
}
