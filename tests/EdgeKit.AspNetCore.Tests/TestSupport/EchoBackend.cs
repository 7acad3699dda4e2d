using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

/// <summary>
/// A real backend that counts the requests it receives and answers each with JSON: its path and query, every
/// request header (names in lower case, values joined by ", "), and its body as text.
/// </summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly TestApp _app;
    private int _requests;

    private EchoBackend(TestApp app) => _app = app;

    public Uri Address => _app.Address;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<EchoBackend> StartAsync()
    {
        EchoBackend? backend = null;
        var app = await TestApp.StartAsync(_ => { }, web => web.Run(async context =>
        {
            Interlocked.Increment(ref backend!._requests);
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync();
            var echo = new BackendEcho(
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body);
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, echo);
        }));
        backend = new EchoBackend(app);
        return backend;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>What <see cref="EchoBackend"/> answers.</summary>
internal sealed record BackendEcho(string Target, Dictionary<string, string> Headers, string Body);
