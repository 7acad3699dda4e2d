using System.Net;
using System.Net.Http.Headers;

namespace EdgeKit.Samples.Gateway;

/// <summary>The sample's self-check: a few requests through the gateway, each with the answer it must get.</summary>
internal static class Smoke
{
    public static async Task<int> RunAsync(string gateway, string token)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri(gateway) };
        int failures = 0;

        async Task<HttpResponseMessage> Check(string path, HttpStatusCode expected, string? bearer = null, string? mustContain = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            var response = await client.SendAsync(request);
            string body = await response.Content.ReadAsStringAsync();
            bool ok = response.StatusCode == expected && (mustContain is null || body.Contains(mustContain, StringComparison.Ordinal));
            string cache = response.Headers.TryGetValues("Cache-Status", out var status) ? $"  [Cache-Status: {string.Join(", ", status)}]" : "";
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} GET {path,-16} {(int)response.StatusCode}{cache} {body[..Math.Min(body.Length, 110)]}");
            if (!ok)
            {
                failures++;
            }

            return response;
        }

        Console.WriteLine();
        (await Check("/user/orders", HttpStatusCode.Unauthorized)).Dispose();
        (await Check("/user/orders", HttpStatusCode.OK, token, "\"orders\"")).Dispose();
        (await Check("/user/profile", HttpStatusCode.OK, token, "Ada Lovelace")).Dispose();
        (await Check("/user/summary", HttpStatusCode.OK, token, "\"profile\"")).Dispose();
        (await Check("/products", HttpStatusCode.OK, mustContain: "BOOK-1")).Dispose();
        using (var cached = await Check("/products", HttpStatusCode.OK, mustContain: "BOOK-1"))
        {
            if (!cached.Headers.TryGetValues("Cache-Status", out var status) || !status.Single().Contains("hit", StringComparison.Ordinal))
            {
                Console.WriteLine("FAIL the second /products was not a cache hit");
                failures++;
            }
        }

        // The public route allows 5 requests per 10 s per client: two were used above (the recommendations leg of the
        // summary went gateway-internal, not through the route).
        for (int i = 0; i < 3; i++)
        {
            (await Check("/products", HttpStatusCode.OK)).Dispose();
        }

        (await Check("/products", HttpStatusCode.TooManyRequests, mustContain: "quota")).Dispose();
        Console.WriteLine(failures == 0 ? "smoke: all as expected" : $"smoke: {failures} unexpected answers");
        return failures == 0 ? 0 : 1;
    }
}
