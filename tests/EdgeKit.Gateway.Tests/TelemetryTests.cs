using System.Net;
using EdgeKit.Gateway.Tests.Otlp;
using EdgeKit.Gateway.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.Gateway.Tests;

/// <summary>Telemetry from gateway.json: the EdgeKit meter on a Prometheus scrape endpoint, traces to an OTLP collector.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task The_Prometheus_endpoint_lists_the_gateways_request_counter_after_traffic_and_traces_reach_the_OTLP_collector()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/orders", () => "orders"));
        var traces = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var collector = await Backend.StartAsync(app => app.MapPost("/v1/traces", async (HttpContext c) =>
        {
            using var body = new MemoryStream();
            await c.Request.Body.CopyToAsync(body);
            traces.TrySetResult($"{c.Request.ContentType} {body.Length > 0}");
            return Results.Ok();
        }));
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": { "Telemetry": {
                "Prometheus": { "Enabled": true },
                "Otlp": { "Endpoint": "{{collector.Address}}", "Protocol": "HttpProtobuf", "Metrics": false } } },
              "EdgeKit": {
                "Clusters": { "metered": { "Destinations": { "o1": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "metered": { "Match": { "Path": "/orders" }, "Cluster": "metered" } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);

        for (int i = 0; i < 3; i++)
        {
            (await gateway.Client.GetStringAsync("/orders")).Should().Be("orders");
        }

        using var scrape = await gateway.Client.GetAsync("/metrics");
        scrape.StatusCode.Should().Be(HttpStatusCode.OK);
        var metrics = await scrape.Content.ReadAsStringAsync();
        // The EdgeKit meter is the process's: other tests' gateways count in it too, so this gateway's lines are told by
        // a cluster name no other test uses.
        var counter = metrics.Split('\n')
            .Where(l => l.StartsWith("edgekit_balancer_requests_total{", StringComparison.Ordinal) && l.Contains("edgekit_cluster=\"metered\"", StringComparison.Ordinal))
            .ToList();
        counter.Should().ContainSingle();
        counter[0].Should().Contain("edgekit_route=\"metered\"").And.Contain("http_response_status_code=\"200\"");
        counter[0].Should().MatchRegex(@"\} 3( \d+)?$");
        // The names docs/telemetry.md gives for Grafana.
        metrics.Should().Contain("\nedgekit_balancer_request_duration_seconds_bucket{").And.Contain("\nedgekit_balancer_active_requests{");

        // The batch exporter sends within its 5 s schedule.
        (await traces.Task.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be("application/x-protobuf True");
    }

    [Fact]
    public async Task The_gateways_request_counter_reaches_an_OTLP_HTTP_collector_as_protobuf_metrics()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/orders", () => "orders"));
        var exports = new System.Collections.Concurrent.ConcurrentQueue<(string? ContentType, ExportMetricsServiceRequest Request)>();
        await using var collector = await Backend.StartAsync(app => app.MapPost("/v1/metrics", async (HttpContext c) =>
        {
            using var body = new MemoryStream();
            await c.Request.Body.CopyToAsync(body);
            exports.Enqueue((c.Request.ContentType, ExportMetricsServiceRequest.Parser.ParseFrom(body.ToArray())));
            return Results.Ok();
        }));
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": { "Telemetry": {
                "ServiceName": "otlp-gateway",
                "Otlp": { "Endpoint": "{{collector.Address}}", "Protocol": "HttpProtobuf", "Traces": false } } },
              "EdgeKit": {
                "Clusters": { "otlp-metered": { "Destinations": { "o1": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "otlp-metered": { "Match": { "Path": "/orders" }, "Cluster": "otlp-metered" } }
              }
            }
            """);
        await using (var gateway = await RunningGateway.StartAsync(file))
        {
            for (int i = 0; i < 3; i++)
            {
                (await gateway.Client.GetStringAsync("/orders")).Should().Be("orders");
            }

            // Metrics are pushed every 60 s (OpenTelemetry's default) and once more when the gateway stops: stop it.
        }

        exports.Should().NotBeEmpty();
        exports.Select(e => e.ContentType).Should().AllBe("application/x-protobuf");
        var resources = exports.SelectMany(e => e.Request.ResourceMetrics).ToList();
        resources.Should().AllSatisfy(r => r.Resource.Attributes.Should().ContainSingle(a => a.Key == "service.name").Which.Value.StringValue.Should().Be("otlp-gateway"));
        // The EdgeKit meter is the process's: other tests' gateways count in it too; this one's points carry its cluster.
        var points = resources
            .SelectMany(r => r.ScopeMetrics)
            .Where(s => s.Scope.Name == "EdgeKit")
            .SelectMany(s => s.Metrics)
            .Where(m => m.Name == "edgekit.balancer.requests")
            .SelectMany(m => m.Sum.DataPoints)
            .Where(p => p.Attributes.Any(a => a.Key == "edgekit.cluster" && a.Value.StringValue == "otlp-metered"))
            .ToList();
        points.Should().NotBeEmpty();
        var last = points[^1];
        last.AsInt.Should().Be(3);
        last.Attributes.ToDictionary(a => a.Key, a => a.Value.ToString()).Should().Contain(new Dictionary<string, string>
        {
            ["edgekit.route"] = "{ \"stringValue\": \"otlp-metered\" }",
            ["http.response.status_code"] = "{ \"intValue\": \"200\" }",
        });
    }

    [Fact]
    public async Task A_scrape_endpoint_behind_a_policy_that_does_not_exist_fails_the_check()
    {
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", """
            { "Host": { "Telemetry": { "Prometheus": { "Enabled": true, "Policy": "scrapers" }, "Otlp": { "Endpoint": "collector:4317" } } }, "EdgeKit": { } }
            """);

        var (exit, output, _) = await CheckTests.RunAsync("check", file);

        output.Should().Contain("\n  `Host:Telemetry:Otlp:Endpoint`: 'collector:4317' is not an http:// or https:// address, e.g. http://collector:4317.\n");
        output.Should().Contain("Host:Telemetry:Prometheus:Policy: AuthorizationPolicy 'scrapers' does not exist");
        exit.Should().Be(1);
    }
}
