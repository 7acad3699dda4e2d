using System.Net;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.Gateway;

public sealed class GatewayAggregateRouteTests
{
    [Fact]
    public async Task A_route_can_answer_with_an_aggregate_of_several_clusters()
    {
        await using var orders = await EchoBackend.StartAsync("orders");
        orders.Override = context => context.Response.WriteAsJsonAsync(new { id = 1001, customerId = 7 });
        await using var users = await EchoBackend.StartAsync("users");
        users.Override = context => context.Response.WriteAsJsonAsync(new { id = int.Parse(context.Request.Path.Value!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture), name = "Ada" });
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = orders.Address,
            ["Clusters:users:Destinations:u1:Address"] = users.Address,
            ["Aggregates:summary:Legs:0:Name"] = "order",
            ["Aggregates:summary:Legs:0:Cluster"] = "orders",
            ["Aggregates:summary:Legs:0:Path"] = "/orders/{orderId}",
            ["Aggregates:summary:Legs:1:Name"] = "customer",
            ["Aggregates:summary:Legs:1:Cluster"] = "users",
            ["Aggregates:summary:Legs:1:Path"] = "/users/{order.customerId}",
            ["Routes:summary:Match:Path"] = "/user/summary/{orderId}",
            ["Routes:summary:Aggregate"] = "summary",
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
        });

        using var response = await gateway.Client.GetAsync("/user/summary/1001");
        string body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var json = JsonNode.Parse(body)!;
        json["order"]!["customerId"]!.GetValue<int>().Should().Be(7);
        json["customer"]!["id"]!.GetValue<int>().Should().Be(7);
        json["customer"]!["name"]!.GetValue<string>().Should().Be("Ada");
        users.Requests.Should().Be(1);
    }

    [Fact]
    public async Task A_route_naming_an_unknown_aggregate_is_a_configuration_error()
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["Aggregates:known:Legs:0:Name"] = "a",
            ["Aggregates:known:Legs:0:Cluster"] = "c",
            ["Aggregates:known:Legs:0:Path"] = "/a",
            ["Routes:r:Match:Path"] = "/r",
            ["Routes:r:Aggregate"] = "unknown",
        });

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal("EdgeKit:Routes:r: Aggregate 'unknown' does not exist (known aggregates: known).");
    }

    public static TheoryData<string?, string, string> BrokenLegs() => new()
    {
        // Nothing listens: "Connection refused".
        { null, "connection_error", "Connection refused" },
        { "HTTP/1.1 ABC Bad\r\nContent-Length: 0\r\n\r\n", "invalid_response", "invalid status code" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":", "response_ended", "ended prematurely" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{not json!!}", "not valid JSON", "is an invalid start of a property name" },
    };

    [Theory]
    [MemberData(nameof(BrokenLegs))]
    public async Task A_failed_leg_is_described_by_a_stable_phrase_and_its_exception_only_in_the_log(string? reply, string phrase, string exceptionText)
    {
        await using var backend = DroppingBackend.Start(reply: reply ?? "");
        string address = backend.Address;
        if (reply is null)
        {
            await backend.DisposeAsync(); // the port is closed now
        }

        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = address,
            ["Aggregates:agg:Legs:0:Name"] = "leg",
            ["Aggregates:agg:Legs:0:Cluster"] = "c",
            ["Aggregates:agg:Legs:0:Path"] = "/leg",
            ["Routes:agg:Match:Path"] = "/agg",
            ["Routes:agg:Aggregate"] = "agg",
        });

        using var response = await gateway.Client.GetAsync("/agg");
        string body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        string expected = phrase == "not valid JSON"
            ? "The required leg 'leg' of aggregate 'agg' failed: the response of leg 'leg' is not valid JSON."
            : $"The required leg 'leg' of aggregate 'agg' failed: the request failed ({phrase}).";
        JsonNode.Parse(body)!["detail"]!.GetValue<string>().Should().Be(expected);
        body.Should().NotContain(exceptionText).And.NotContain("127.0.0.1");
        if (phrase != "not valid JSON") // a leg whose JSON is only checked, not parsed, has no exception
        {
            // The cause, with its message, is logged with the leg's failure (event 1250).
            gateway.Logs.Exceptions.Should().Contain(e => e.EventId == 1250 && e.Exception.ToString().Contains(exceptionText, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task An_aggregate_route_that_would_forward_a_clients_identity_header_in_any_spelling_is_a_configuration_error()
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = "http://127.0.0.1:1",
            ["IdentityForwarding:user:Headers:X-User-Id"] = "sub",
            ["Aggregates:summary:ForwardedRequestHeaders:0"] = "Authorization",
            ["Aggregates:summary:ForwardedRequestHeaders:1"] = "X-User-Id",
            ["Aggregates:summary:Legs:0:Name"] = "a",
            ["Aggregates:summary:Legs:0:Cluster"] = "c",
            ["Aggregates:summary:Legs:0:Path"] = "/a",
            ["Aggregates:summary:Legs:0:ForwardedRequestHeaders:0"] = "x_user_id",
            ["Routes:r:Match:Path"] = "/r",
            ["Routes:r:Aggregate"] = "summary",
        });

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal(
            "EdgeKit:Routes:r: Aggregate 'summary' forwards the client's 'X-User-Id' header, which names an identity header of EdgeKit:IdentityForwarding (only the gateway sets those); remove it from ForwardedRequestHeaders.",
            "EdgeKit:Routes:r: Aggregate 'summary' forwards the client's 'x_user_id' header, which names an identity header of EdgeKit:IdentityForwarding (only the gateway sets those); remove it from ForwardedRequestHeaders.");
    }
}
