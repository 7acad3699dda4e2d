using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Client;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

/// <summary>
/// Issue 18: a request the client sent once reaches the backend once. SocketsHttpHandler resends a request without
/// content (or waiting on Expect: 100-continue) up to three times when the connection ends before any response byte;
/// the gateway's forwarder and aggregate legs turn that off, so the backend that read the request and closed the
/// connection sees it once and the client gets a 502.
/// </summary>
public class SingleDeliveryTests
{
    /// <summary>The cluster's <c>HttpClient:Transport</c>; <c>SocketsHttpHandler</c> here, pinned: the default (<c>Auto</c>) is EdgeKit's for these clusters (see <see cref="Transport.SingleDeliveryOnEdgeKitTransportTests"/>).</summary>
    protected virtual string? Transport => "SocketsHttpHandler";

    private Dictionary<string, string?> Routes(string address) => RoutesOn(address).OnTransport(Transport);

    private static Dictionary<string, string?> RoutesOn(string address) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Clusters:c:HttpClient:RequestVersion"] = "1.1",
        ["Routes:all:Match:Path"] = "/{**rest}",
        ["Routes:all:Cluster"] = "c",
    };

    public static TheoryData<string, string?, bool, bool> Requests()
    {
        var data = new TheoryData<string, string?, bool, bool>();
        foreach (bool pooled in new[] { false, true })
        {
            data.Add("POST", "", false, pooled);
            data.Add("PUT", "", false, pooled);
            data.Add("PATCH", "", false, pooled);
            data.Add("POST", "{\"a\":1}", false, pooled);
            data.Add("POST", new string('x', 2048), true, pooled);
            data.Add("GET", null, false, pooled);
            data.Add("HEAD", null, false, pooled);
            data.Add("DELETE", null, false, pooled);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task A_request_whose_backend_closes_without_answering_is_delivered_once_and_answered_502(string method, string? body, bool expectContinue, bool pooled)
    {
        await using var backend = DroppingBackend.Start(answerFirst: pooled);
        await using var gateway = await GatewayHost.StartAsync(Routes(backend.Address));
        if (pooled)
        {
            // The gateway's connection to the backend is now open and idle in its pool: the next request reuses it.
            using var warm = await gateway.Client.GetAsync("/warm");
            warm.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), "/target");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (expectContinue)
        {
            request.Headers.ExpectContinue = true;
        }

        using var response = await gateway.Client.SendAsync(request);

        backend.Deliveries("/target").Should().Be(1);
        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        if (method != "HEAD")
        {
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            problem["type"]!.GetValue<string>().Should().Be("urn:edgekit:problem:bad-gateway");
            problem["detail"]!.GetValue<string>().Should().Be("The service failed to answer.");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_aggregate_leg_whose_backend_closes_without_answering_is_delivered_once(bool pooled)
    {
        await using var backend = DroppingBackend.Start(answerFirst: pooled);
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = backend.Address,
            ["Aggregates:agg:Legs:0:Name"] = "leg",
            ["Aggregates:agg:Legs:0:Cluster"] = "c",
            ["Aggregates:agg:Legs:0:Path"] = "/leg/{id}",
            ["Routes:agg:Match:Path"] = "/agg/{id}",
            ["Routes:agg:Aggregate"] = "agg",
        });
        if (pooled)
        {
            // Answered 200 with a body that is not JSON: the aggregate fails, but the connection stays in the pool.
            using var warm = await gateway.Client.GetAsync("/agg/warm");
            backend.Deliveries("/leg/warm").Should().Be(1);
        }

        using var response = await gateway.Client.GetAsync("/agg/target");

        backend.Deliveries("/leg/target").Should().Be(1);
        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UseSingleDelivery_stops_SocketsHttpHandler_resending_and_without_it_the_handler_sends_four_times(bool singleDelivery)
    {
        await using var backend = DroppingBackend.Start();
        var handler = new SocketsHttpHandler();
        if (singleDelivery)
        {
            handler.UseSingleDelivery();
        }

        using var client = new HttpClient(handler) { BaseAddress = new Uri(backend.Address) };

        var act = () => client.PostAsync("/target", content: null);

        var error = (await act.Should().ThrowAsync<HttpRequestException>()).Which;
        error.HttpRequestError.Should().Be(HttpRequestError.ResponseEnded);
        backend.Deliveries("/target").Should().Be(singleDelivery ? 1 : 4);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_balanced_HttpClient_delivers_once_unless_the_application_gives_its_own_primary_handler(bool ownHandler)
    {
        await using var backend = DroppingBackend.Start();
        var services = new ServiceCollection();
        services.AddEdgeKit().AddCluster("c", c => c.AddDestinations(backend.Address));
        var client = services.AddHttpClient("c", c => c.BaseAddress = new Uri("http://c/"));
        if (ownHandler)
        {
            // The application's own handler (here without UseSingleDelivery) wins, whatever the order of the calls.
            client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler());
        }

        client.AddEdgeKitBalancing("c");
        await using var provider = services.BuildServiceProvider();
        using var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("c");

        var act = () => http.PostAsync("/target", content: null);

        await act.Should().ThrowAsync<HttpRequestException>();
        backend.Deliveries("/target").Should().Be(ownHandler ? 4 : 1);
    }

    [Fact]
    public async Task UseSingleDelivery_keeps_an_existing_stream_filter()
    {
        await using var backend = DroppingBackend.Start();
        int filtered = 0;
        var handler = new SocketsHttpHandler
        {
            PlaintextStreamFilter = (context, _) =>
            {
                Interlocked.Increment(ref filtered);
                return new ValueTask<Stream>(context.PlaintextStream);
            },
        }.UseSingleDelivery();
        using var client = new HttpClient(handler) { BaseAddress = new Uri(backend.Address) };

        var act = () => client.GetAsync("/target");

        await act.Should().ThrowAsync<HttpRequestException>();
        backend.Deliveries("/target").Should().Be(1);
        filtered.Should().Be(1);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("M-SEARCH * HTTP/1.1\r\n", true)]
    [InlineData("POST http://a/b?c HTTP/1.0\r\n", true)]
    [InlineData("1a\r\nGET / HTTP/1.1\r\n", false)]
    [InlineData("GET / HTTP/2.0\r\n", false)]
    [InlineData("GET /\r\n", false)]
    [InlineData("GET / HTTP/1.1\n", false)]
    [InlineData(" GET / HTTP/1.1\r\n", false)]
    [InlineData("{\"a\": 1}\r\n", false)]
    [InlineData("", false)]
    public void A_write_starts_a_request_only_when_it_begins_with_a_request_line(string data, bool expected) =>
        SingleDeliveryStream.IsRequestHead(Encoding.Latin1.GetBytes(data)).Should().Be(expected);
}
