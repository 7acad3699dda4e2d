using System.Net;
using EdgeKit.AspNetCore.Tests.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary><c>Clusters:&lt;name&gt;:HttpClient:Transport</c>: which transport serves a cluster, and what it refuses at start.</summary>
public sealed class Http1TransportConfigurationTests
{
    /// <summary>One route to cluster <c>c</c> with one destination at <paramref name="address"/>, and <paramref name="http"/> under its <c>HttpClient</c>.</summary>
    internal static Dictionary<string, string?> Cluster(string address, params (string Key, string? Value)[] http)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = address,
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        };
        foreach (var (key, value) in http)
        {
            settings["Clusters:c:HttpClient:" + key] = value;
        }

        return settings;
    }

    [Theory]
    [InlineData("2", "RequestVersionExact")]
    [InlineData("3", "RequestVersionOrHigher")]
    [InlineData("1.0", "RequestVersionExact")]
    public async Task A_cluster_on_the_EdgeKit_transport_that_demands_another_HTTP_version_fails_the_start_naming_the_key(string version, string policy)
    {
        var errors = await StrictConfigurationTests.StartFails(Cluster("http://127.0.0.1:1", ("Transport", "EdgeKit"), ("RequestVersion", version), ("VersionPolicy", policy)));

        errors.Should().Equal($"Cluster 'c':HttpClient: Transport 'EdgeKit' speaks HTTP/1.1 only, but RequestVersion '{version}' with VersionPolicy {policy} demands HTTP/{version}; use RequestVersion '1.1' (or the SocketsHttpHandler transport).");
    }

    [Fact]
    public async Task An_unknown_transport_fails_the_start_naming_the_key()
    {
        var errors = await StrictConfigurationTests.StartFails(Cluster("http://127.0.0.1:1", ("Transport", "Curl")));

        errors.Should().ContainSingle().Which.Should().Contain("Clusters:c:HttpClient:Transport").And.Contain("Curl");
    }

    [Fact]
    public async Task The_default_RequestVersion_2_or_lower_is_served_as_HTTP11_by_the_EdgeKit_transport()
    {
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var gateway = await GatewayHost.StartAsync(Cluster(backend.Address, ("Transport", "EdgeKit")));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        backend.Received.Single().Head.Should().StartWith("GET /x HTTP/1.1\r\n");
    }
}
