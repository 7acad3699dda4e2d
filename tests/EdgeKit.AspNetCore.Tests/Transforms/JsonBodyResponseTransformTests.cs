using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Transforms;

public sealed class JsonBodyResponseTransformTests
{
    private static Dictionary<string, string?> JsonRoute(string address) => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Routes:r:Match:Path"] = "/{**rest}",
        ["Routes:r:Cluster"] = "c",
        ["Routes:r:Transforms:0:ResponseBodyJson"] = "internalId",
        ["Routes:r:Transforms:0:Remove"] = "true",
        ["Routes:r:Transforms:1:ResponseBodyJson"] = "version",
        ["Routes:r:Transforms:1:Set"] = "2",
        ["Routes:r:Transforms:1:MaxBytes"] = "100",
    };

    private static Func<HttpContext, Task> Answer(string contentType, string body, bool chunked = false) => async context =>
    {
        context.Response.ContentType = contentType;
        if (!chunked)
        {
            context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
        }

        await context.Response.WriteAsync(body);
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Properties_are_changed_and_Content_Length_is_the_new_length(bool chunked)
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = Answer("application/problem+json", "{\"internalId\":42,\"name\":\"n\"}", chunked);
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));

        using var response = await gateway.Client.GetAsync("/x");

        (await response.Content.ReadAsStringAsync()).Should().Be("{\"name\":\"n\",\"version\":2}");
        response.Content.Headers.ContentLength.Should().Be(24);
    }

    [Fact]
    public async Task A_response_over_the_bound_is_502_problem_json()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = Answer("application/json", "{\"internalId\":\"" + new string('x', 200) + "\"}", chunked: true);
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Be("The service's response is larger than the gateway can transform.");
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1412 && e.Message == "Route 'r': the backend's JSON response is larger than the transform's bound of 100 bytes; answered 502.");
    }

    [Fact]
    public async Task Invalid_JSON_is_502_and_other_media_types_pass_untouched()
    {
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = context => context.Request.Path == "/bad"
            ? Answer("application/json", "{\"internalId\":")(context)
            : Answer("text/plain", "{\"internalId\":42}")(context);
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));

        using var bad = await gateway.Client.GetAsync("/bad");
        using var text = await gateway.Client.GetAsync("/text");

        bad.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await bad.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Be("The service's response is not valid JSON.");
        (await text.Content.ReadAsStringAsync()).Should().Be("{\"internalId\":42}");
        gateway.Logs.Entries.Should().ContainSingle(e => e.EventId == 1413);
    }
}
