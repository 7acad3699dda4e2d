using System.Net.Http.Json;

namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>A typed client of the test service.</summary>
internal sealed class EchoClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    /// <summary>GETs <paramref name="pathAndQuery"/> and returns what the instance that answered saw.</summary>
    public async Task<BackendEcho> GetAsync(string pathAndQuery = "/", CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(pathAndQuery, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<BackendEcho>(cancellationToken))!;
    }
}
