using System.Net;
using System.Text.Json;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

internal static class ResponseAssertions
{
    /// <summary>Asserts the status and an RFC 9457 problem+json body with the same status and the given title.</summary>
    public static async Task ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("status").GetInt32().Should().Be((int)status);
        json.RootElement.GetProperty("title").GetString().Should().Be(status == HttpStatusCode.Unauthorized ? "Unauthorized" : "Forbidden");
    }

    public static async Task<BackendEcho> ReadEchoAsync(this HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await JsonSerializer.DeserializeAsync<BackendEcho>(await response.Content.ReadAsStreamAsync()))!;
    }
}
