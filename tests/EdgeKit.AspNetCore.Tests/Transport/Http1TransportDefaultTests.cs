using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// <c>HttpClient:Transport</c> <c>Auto</c>, the default (issue 20): EdgeKit's transport for every request that is HTTP/1.1
/// on either client, <see cref="SocketsHttpHandler"/> for the ones it could send as HTTP/2 or HTTP/3; and what EdgeKit's
/// transport does that <see cref="SocketsHttpHandler"/> did for it (the trace context).
/// </summary>
public sealed class Http1TransportDefaultTests
{
    /// <summary>Both framings at once: SocketsHttpHandler takes it, EdgeKit's transport refuses it (RFC 9112 §6.3 allows either), so the status says which one served.</summary>
    private const string BothFramings = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n";

    private static Dictionary<string, string?> Cluster(string address, params (string Key, string? Value)[] http) =>
        Http1TransportConfigurationTests.Cluster(address, http);

    [Fact]
    public void Auto_is_the_default_transport()
    {
        new ClusterHttpClientOptions().Transport.Should().Be(ClusterTransport.Auto);
        default(ClusterTransport).Should().Be(ClusterTransport.Auto);
    }

    [Theory]
    // HTTP/1.1 asked for: HTTP/1.1 on both clients, unless an https destination may be asked for more (ALPN).
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrLower, false, true)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrLower, true, true)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionExact, true, true)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrHigher, false, true)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrHigher, true, false)]
    // HTTP/2 or HTTP/3 or lower: HTTP/1.1 without TLS (no h2c without prior knowledge), ALPN over TLS.
    [InlineData("2", HttpVersionPolicy.RequestVersionOrLower, false, true)]
    [InlineData("2", HttpVersionPolicy.RequestVersionOrLower, true, false)]
    [InlineData("3", HttpVersionPolicy.RequestVersionOrLower, false, true)]
    [InlineData("3", HttpVersionPolicy.RequestVersionOrLower, true, false)]
    // h2c with prior knowledge, HTTP/2 or HTTP/3 required.
    [InlineData("2", HttpVersionPolicy.RequestVersionExact, false, false)]
    [InlineData("2", HttpVersionPolicy.RequestVersionOrHigher, false, false)]
    [InlineData("2", HttpVersionPolicy.RequestVersionExact, true, false)]
    [InlineData("3", HttpVersionPolicy.RequestVersionExact, true, false)]
    // HTTP/1.0: its own request line, framing and keep-alive, left to SocketsHttpHandler.
    [InlineData("1.0", HttpVersionPolicy.RequestVersionOrLower, false, false)]
    [InlineData("1.0", HttpVersionPolicy.RequestVersionOrHigher, false, false)]
    public void Auto_sends_through_EdgeKit_exactly_the_requests_that_are_HTTP11_on_either_client(string version, HttpVersionPolicy policy, bool https, bool edgeKit)
    {
        var options = new ClusterHttpClientOptions { RequestVersion = version, VersionPolicy = policy };

        Http1Handler.IsHttp11Either(options.ParseRequestVersion()!, policy, https).Should().Be(edgeKit);
    }

    [Theory]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrHigher, true)]
    [InlineData("2", HttpVersionPolicy.RequestVersionOrLower, true)]
    [InlineData("2", HttpVersionPolicy.RequestVersionExact, false)]
    [InlineData("2", HttpVersionPolicy.RequestVersionOrHigher, false)]
    [InlineData("3", HttpVersionPolicy.RequestVersionExact, false)]
    [InlineData("1.0", HttpVersionPolicy.RequestVersionOrLower, false)]
    public void Auto_builds_EdgeKits_transport_only_for_a_cluster_that_may_send_it_a_request(string version, HttpVersionPolicy policy, bool built)
    {
        Http1Handler.ServesAnyOf(new ClusterHttpClientOptions { RequestVersion = version, VersionPolicy = policy }).Should().Be(built);
    }

    [Theory]
    [InlineData(null, null, HttpStatusCode.BadGateway)]
    [InlineData("1.1", null, HttpStatusCode.BadGateway)]
    [InlineData(null, "Auto", HttpStatusCode.BadGateway)]
    [InlineData("1.1", "EdgeKit", HttpStatusCode.BadGateway)]
    [InlineData("1.1", "SocketsHttpHandler", HttpStatusCode.OK)]
    [InlineData(null, "SocketsHttpHandler", HttpStatusCode.OK)]
    public async Task Without_Transport_or_with_Auto_a_plain_http_cluster_is_on_EdgeKits_transport(string? version, string? transport, HttpStatusCode expected)
    {
        await using var backend = new ScriptedBackend((_, _) => BothFramings);
        var settings = Cluster(backend.Address);
        if (version is not null)
        {
            settings["Clusters:c:HttpClient:RequestVersion"] = version;
        }

        await using var gateway = await GatewayHost.StartAsync(settings.OnTransport(transport));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(expected);
        backend.Received.Single().Head.Should().StartWith("GET /x HTTP/1.1\r\n");
    }

    [Fact]
    public async Task Without_Transport_an_h2c_cluster_stays_on_SocketsHttpHandler()
    {
        await using var backend = await EchoBackend.StartAsync(protocols: HttpProtocols.Http2);
        await using var gateway = await GatewayHost.StartAsync(Cluster(backend.Address, ("RequestVersion", "2"), ("VersionPolicy", "RequestVersionExact")));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["protocol"]!.GetValue<string>().Should().Be("HTTP/2");
    }

    [Theory]
    [InlineData("2", HttpVersionPolicy.RequestVersionOrLower, "HTTP/2", 0)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrHigher, "HTTP/2", 0)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrLower, "HTTP/1.1", 1)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionExact, "HTTP/1.1", 1)]
    public async Task Auto_leaves_an_https_destination_that_may_negotiate_HTTP2_to_SocketsHttpHandler(string version, HttpVersionPolicy policy, string protocol, int edgeKitConnections)
    {
        await using var backend = await TlsBackend.StartAsync();
        var options = new ClusterHttpClientOptions { RequestVersion = version, VersionPolicy = policy, DangerousAcceptAnyServerCertificate = true };
        var handler = new Http1Handler(options);
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, backend.Address + "/x") { Version = options.ParseRequestVersion()!, VersionPolicy = policy };

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(protocol);
        response.Version.Should().Be(protocol == "HTTP/2" ? HttpVersion.Version20 : HttpVersion.Version11);
        handler.OpenConnections.Should().Be(edgeKitConnections, "EdgeKit's pool opened a connection only for the request it served");
    }

    [Theory]
    [InlineData("2", HttpVersionPolicy.RequestVersionOrLower, 1)]
    [InlineData("1.1", HttpVersionPolicy.RequestVersionOrHigher, 1)]
    [InlineData("1.0", HttpVersionPolicy.RequestVersionOrLower, 0)]
    public async Task Auto_serves_a_plain_http_request_that_is_HTTP11_on_either_client(string version, HttpVersionPolicy policy, int edgeKitConnections)
    {
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        var options = new ClusterHttpClientOptions { RequestVersion = version, VersionPolicy = policy };
        var handler = new Http1Handler(options);
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, backend.Address + "/x") { Version = options.ParseRequestVersion()!, VersionPolicy = policy };

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        handler.OpenConnections.Should().Be(edgeKitConnections);
        backend.Received.Single().Head.Should().StartWith(version == "1.0" ? "GET /x HTTP/1.0\r\n" : "GET /x HTTP/1.1\r\n");
    }

    [Fact]
    public async Task EdgeKits_transport_sends_the_current_activitys_trace_context_as_SocketsHttpHandler_does()
    {
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));
        using var sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(new ClusterHttpClientOptions()));
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";

        foreach (var invoker in new[] { edgeKit, sockets })
        {
            using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, backend.Address + "/traced"), CancellationToken.None);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        activity.Stop();
        var received = backend.Received.ToArray();
        received[0].Field("traceparent").Should().Be(activity.Id, "the activity is the backend call's parent");
        // SocketsHttpHandler's own span is the parent instead when something listens to System.Net.Http (another test may).
        received[1].Field("traceparent").Should().StartWith($"00-{activity.TraceId}-");
        received.Select(r => r.Field("tracestate")).Should().Equal("vendor=1", "vendor=1");
    }

    [Fact]
    public async Task Without_an_activity_no_trace_context_is_sent_and_one_the_request_carries_is_kept()
    {
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        using var invoker = new HttpMessageInvoker(new Http1Handler(new ClusterHttpClientOptions()));
        Activity.Current = null;
        const string given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        using (var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, backend.Address + "/plain"), CancellationToken.None))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            var request = new HttpRequestMessage(HttpMethod.Get, backend.Address + "/given");
            request.Headers.TryAddWithoutValidation("traceparent", given);
            using var response = await invoker.SendAsync(request, CancellationToken.None);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var received = backend.Received.ToArray();
        received[0].Field("traceparent").Should().BeNull();
        received[1].Head.Split("\r\n").Count(l => l.StartsWith("traceparent:", StringComparison.OrdinalIgnoreCase)).Should().Be(1);
        received[1].Field("traceparent").Should().Be(given);
    }

    [Fact]
    public async Task An_unknown_transport_fails_the_start_naming_the_key_and_the_choices()
    {
        var errors = await StrictConfigurationTests.StartFails(Cluster("http://127.0.0.1:1", ("Transport", "7")));

        errors.Should().Equal("`EdgeKit:Clusters:c:HttpClient:Transport`: '7' is not one of Auto, SocketsHttpHandler, EdgeKit.");
    }

    /// <summary>A Kestrel backend on 127.0.0.1 over TLS offering HTTP/1.1 and HTTP/2 (ALPN), answering with the request's protocol.</summary>
    private sealed class TlsBackend : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate;

        private TlsBackend(WebApplication app, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string address)
        {
            _app = app;
            _certificate = certificate;
            Address = address;
        }

        public string Address { get; }

        public static async Task<TlsBackend> StartAsync()
        {
            var certificate = Forwarding.ForwarderConformanceTests.CreateCertificate("CN=localhost");
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(certificate);
            }));
            var app = builder.Build();
            app.Run(context => context.Response.WriteAsync(context.Request.Protocol));
            await app.StartAsync();
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
            return new TlsBackend(app, certificate, address);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            _certificate.Dispose();
        }
    }
}
