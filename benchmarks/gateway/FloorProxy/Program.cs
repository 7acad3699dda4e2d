using System.Net;
using EdgeKit.Benchmarks.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

// The floor of the gateway benchmark (../run.sh): the same host, the same catch-all endpoint and the same transport
// (one HttpMessageInvoker over SocketsHttpHandler, HTTP/1.1, round robin over the backends) as the two gateways, and
// nothing else a production proxy needs: no hop-by-hop or Connection rules, no header validation, no timeouts, no
// health or latency accounting, no metrics, no error handling, no cancellation or timeout sources, no pooling (the
// last URI per backend is reused, as both gateways do). It shows what Kestrel, routing and SocketsHttpHandler cost on
// their own, i.e. about the least any proxy built on them can spend per request.
var settings = GatewayBenchSettings.Parse(args);
var builder = GatewayBenchHost.CreateBuilder(settings);
var app = builder.Build();

var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
});
string[] prefixes = settings.BackendAddresses.Select(a => a.TrimEnd('/')).ToArray();
var lastUris = new Uri?[prefixes.Length];
int next = -1;

// GWBENCH_FLOOR=local (run.sh's "kestrel" target): no backend at all. The endpoint answers the backends' own response
// (the same 47-byte JSON body and Content-Type) from memory, so the row measures what Kestrel, the host and routing
// cost per request on the client side alone: the least any proxy whose client side is Kestrel can spend before it
// sends a byte to a backend. nginx's counterpart is run.sh's "nginx-local" target.
string floor = Environment.GetEnvironmentVariable("GWBENCH_FLOOR") ?? "proxy";
if (floor is not ("proxy" or "local"))
{
    throw new ArgumentException($"GWBENCH_FLOOR: unknown value '{floor}'; use proxy (the default) or local.");
}

if (floor == "local")
{
    byte[] body = "{\"ok\":true,\"service\":\"bench\",\"items\":[1,2,3]}"u8.ToArray();
    app.Map("/{**catch-all}", context =>
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    });
    await GatewayBenchHost.RunAsync(app, settings, "FloorProxy (local answers, no backend)");
    return;
}

app.Map("/{**catch-all}", async context =>
{
    var incoming = context.Request;
    int backend = (int)((uint)Interlocked.Increment(ref next) % (uint)prefixes.Length);
    string target = prefixes[backend] + incoming.Path.Value + incoming.QueryString.Value;
    var uri = lastUris[backend];
    if (uri is null || !string.Equals(uri.OriginalString, target, StringComparison.Ordinal))
    {
        lastUris[backend] = uri = new Uri(target);
    }

    using var request = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), uri)
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };
    foreach (var header in incoming.Headers)
    {
        if (!header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value);
        }
    }

    request.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
    request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
    request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);

    using var response = await invoker.SendAsync(request, context.RequestAborted);
    context.Response.StatusCode = (int)response.StatusCode;
    foreach (var header in response.Headers.NonValidated)
    {
        context.Response.Headers[header.Key] = header.Value.ToString();
    }

    foreach (var header in response.Content.Headers.NonValidated)
    {
        context.Response.Headers[header.Key] = header.Value.ToString();
    }

    context.Response.Headers.Remove("Transfer-Encoding");
    context.Response.Headers.Remove("Connection");
    await response.Content.ReadAsStream(context.RequestAborted).CopyToAsync(context.Response.Body, context.RequestAborted);
});

await GatewayBenchHost.RunAsync(app, settings, "FloorProxy");
