using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Transforms;

public sealed class JsonBodyRequestTransformTests
{
    private static Dictionary<string, string?> JsonRoute(string address, string maxBytes = "64") => new()
    {
        ["Clusters:c:Destinations:d:Address"] = address,
        ["Routes:r:Match:Path"] = "/{**rest}",
        ["Routes:r:Cluster"] = "c",
        ["Routes:r:Transforms:0:RequestBodyJson"] = "password",
        ["Routes:r:Transforms:0:Remove"] = "true",
        ["Routes:r:Transforms:1:RequestBodyJson"] = "user.mail",
        ["Routes:r:Transforms:1:RenameTo"] = "email",
        ["Routes:r:Transforms:2:RequestBodyJson"] = "meta.source",
        ["Routes:r:Transforms:2:Set"] = "\"gateway\"",
        ["Routes:r:Transforms:2:MaxBytes"] = maxBytes,
    };

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Properties_are_removed_renamed_and_set_and_the_length_follows()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));

        using var response = await gateway.Client.PostAsync("/login", Json("{\"user\":{\"mail\":\"a@b\"},\"password\":\"pw\"}"));
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>();

        string body = echo!["body"]!.GetValue<string>();
        body.Should().Be("{\"user\":{\"email\":\"a@b\"},\"meta\":{\"source\":\"gateway\"}}");
        echo["headers"]!["content-length"]![0]!.GetValue<string>().Should().Be(Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture));
        echo["headers"]!["content-type"]![0]!.GetValue<string>().Should().Be("application/json; charset=utf-8");
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_by_media_type_streams_untouched()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address, maxBytes: "4"));

        var echo = await (await gateway.Client.PostAsync("/x", new StringContent("{\"password\":\"pw\"} and more than four bytes"))).Content.ReadFromJsonAsync<JsonObject>();

        echo!["body"]!.GetValue<string>().Should().Be("{\"password\":\"pw\"} and more than four bytes");

        var encoded = Json("{\"password\":\"pw\", \"padding\":\"more than four bytes\"}");
        encoded.Headers.ContentEncoding.Add("identity");
        var passed = await (await gateway.Client.PostAsync("/x", encoded)).Content.ReadFromJsonAsync<JsonObject>();
        passed!["body"]!.GetValue<string>().Should().Contain("\"password\":\"pw\"", "an encoded body is not parsed");
    }

    [Fact]
    public async Task A_JSON_body_over_the_bound_is_413_problem_json_and_never_reaches_the_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));
        string big = "{\"password\":\"" + new string('x', 100) + "\"}";

        using var sized = await gateway.Client.PostAsync("/x", Json(big));
        var chunked = new HttpRequestMessage(HttpMethod.Post, "/x") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        chunked.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        using var streamed = await gateway.Client.SendAsync(chunked);

        foreach (var response in new[] { sized, streamed })
        {
            response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Be("A JSON request body on this route may be at most 64 bytes.");
        }

        backend.Requests.Should().Be(0);
        gateway.Logs.Entries.Where(e => e.EventId == 1410).Should().HaveCount(2);
    }

    [Fact]
    public async Task Invalid_JSON_is_400_problem_json_and_never_reaches_the_backend()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));

        using var response = await gateway.Client.PostAsync("/x", Json("{\"password\":"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Be("The request body is not valid JSON.");
        backend.Requests.Should().Be(0);
        gateway.Logs.Entries.Should().Contain(e => e.EventId == 1411 && e.Message == "Route 'r': the request body declared as JSON could not be read or parsed; answered 400.");
    }

    [Theory]
    [InlineData("{\"password\":\"a\",\"password\":\"b\"}")]
    [InlineData("{\"user\":{\"mail\":\"\\ud800\"}}")]
    [InlineData("{\"\\ud800\":1}")]
    public async Task A_body_that_repeats_a_property_or_holds_a_lone_surrogate_is_400_problem_json_and_never_reaches_the_backend(string json)
    {
        // Found by JsonBodyPropertyTests: {"password":1,"password":2} threw ArgumentException out of the transform and
        // "\ud800" InvalidOperationException (both a 500); and a gateway that removed one "password" would let the other
        // through to a backend that keeps the last.
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(JsonRoute(backend.Address));

        using var response = await gateway.Client.PostAsync("/x", Json(json));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>().Should().Be("The request body is not valid JSON.");
        backend.Requests.Should().Be(0);
    }
}
