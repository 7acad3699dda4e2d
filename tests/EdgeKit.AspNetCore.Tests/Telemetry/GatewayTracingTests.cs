using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Telemetry;

[Collection(TracingCollection.Name)]
public sealed class GatewayTracingTests
{
    [Fact]
    public async Task A_forwarded_request_gets_an_edgekit_span_and_the_backend_continues_the_clients_trace()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "EdgeKit" or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var backend = await EchoBackend.StartAsync("orders");
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
            ["Clusters:orders:HttpClient:RequestVersion"] = "1.1",
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
        });
        string traceId = ActivityTraceId.CreateRandom().ToHexString();
        string clientSpan = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/1");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{clientSpan}-01");

        using var response = await gateway.Client.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        string received = echo!["headers"]!["traceparent"]![0]!.GetValue<string>();
        received.Should().StartWith($"00-{traceId}-", "the backend continues the client's trace");
        received.Should().NotContain(clientSpan, "its parent is the gateway's span, not the client's");
        var forward = spans.Single(s => s.OperationName == "edgekit.forward" && s.TraceId.ToHexString() == traceId);
        forward.GetTagItem("edgekit.route").Should().Be("orders");
        forward.GetTagItem("edgekit.cluster").Should().Be("orders");
        forward.GetTagItem("edgekit.destination").Should().Be("o1");
        forward.GetTagItem("http.response.status_code").Should().Be(200);
        forward.Status.Should().Be(ActivityStatusCode.Unset);
        string parentOfBackendCall = received.Split('-')[2];
        spans.Should().Contain(s => s.SpanId.ToHexString() == parentOfBackendCall && (s.ParentSpanId == forward.SpanId || s == forward),
            "the backend's parent span is the gateway's forward span or HttpClient's span under it");
    }

    [Fact]
    public async Task A_failed_forward_is_an_error_span_with_its_error_type()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "EdgeKit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var backend = await EchoBackend.StartAsync();
        string address = backend.Address;
        await backend.StopAsync();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:down:Destinations:d:Address"] = address,
            ["Routes:down:Match:Path"] = "/down",
            ["Routes:down:Cluster"] = "down",
        });

        (await gateway.Client.GetAsync("/down")).StatusCode.Should().Be(System.Net.HttpStatusCode.BadGateway);

        var forward = spans.Single(s => s.OperationName == "edgekit.forward" && (string?)s.GetTagItem("edgekit.route") == "down");
        forward.Status.Should().Be(ActivityStatusCode.Error);
        forward.GetTagItem("error.type").Should().Be("connection_error");
    }
}

/// <summary>Tests that add process-wide activity listeners, or count measurements that carry no tag to tell tests apart, run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
