using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using EdgeKit.TestShared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeKit.Docs.Tests;

/// <summary>
/// Every documented gateway program (a <c>```csharp</c> block that builds its own <c>app</c> and maps the gateway) runs as
/// written: compiled, started in this process on 127.0.0.1 (port 0) with the page's configuration (the next
/// <c>```json</c> block; destinations pointed at a real Kestrel stub), and one request sent through it.
/// </summary>
public sealed class DocsProgramTests(ITestOutputHelper output)
{
    private static readonly string Root = RepositoryRoot.Find();

    /// <summary>Routes every example can rely on when its page shows no configuration.</summary>
    private const string DefaultConfiguration = """
        { "EdgeKit": { "Clusters": { "backend": { "Destinations": { "b1": { "Address": "http://127.0.0.1:9" } } } },
                       "Routes": { "all": { "Match": { "Path": "/{**rest}" }, "Cluster": "backend" } } } }
        """;

    public static TheoryData<string, int> Programs()
    {
        var data = new TheoryData<string, int>();
        foreach (var page in MarkdownCodeBlock.Pages(Root).Append("README.md"))
        {
            foreach (var block in MarkdownCodeBlock.Read(Root, page).Where(IsProgram))
            {
                data.Add(page, block.Index);
            }
        }

        return data;
    }

    private static bool IsProgram(MarkdownCodeBlock block) =>
        block.Language == "csharp" && !block.Has("ignore") && block.Code.Contains("var app = builder.Build();", StringComparison.Ordinal)
        && block.Code.Contains("MapEdgeKit()", StringComparison.Ordinal);

    [Fact]
    public void The_docs_have_gateway_programs()
    {
        Programs().Count().Should().BeGreaterThanOrEqualTo(3, "gateway.md's Program.cs, its status/dashboard program and README's");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task A_documented_gateway_program_starts_and_forwards_a_request(string page, int index)
    {
        var blocks = MarkdownCodeBlock.Read(Root, page);
        var block = blocks.Single(b => b.Language == "csharp" && b.Index == index);
        string json = blocks.FirstOrDefault(b => b.Language == "json" && b.Line > block.Line && !b.Has("response")
            && !blocks.Any(c => c.Language == "csharp" && c.Line > block.Line && c.Line < b.Line))?.Code ?? DefaultConfiguration;

        await using var backend = await StubBackend.StartAsync();
        var settings = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build()
            .AsEnumerable().Where(kv => kv.Value is not null)
            .Select(kv => kv.Key.EndsWith(":Address", StringComparison.OrdinalIgnoreCase) && kv.Key.Contains(":Destinations:", StringComparison.OrdinalIgnoreCase)
                ? new KeyValuePair<string, string?>(kv.Key, backend.Address)
                : kv)
            .ToList();
        string path = RequestPath(settings);
        var args = new[] { "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning" }
            .Concat(settings.Select(kv => $"--{kv.Key}={kv.Value}"))
            .ToArray();

        var compilation = DocsCSharpCompiler.CreateCompilation(block, append: block.Code.Contains("app.Run", StringComparison.Ordinal) ? null : "app.Run();");
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        emitted.Success.Should().BeTrue(string.Join(Environment.NewLine, emitted.Diagnostics));
        var context = new AssemblyLoadContext($"docs-{page}-{index}", isCollectible: true);
        image.Position = 0;
        var entryPoint = context.LoadFromStream(image).EntryPoint!;

        using var capture = new HostCapture();
        var run = new Thread(() =>
        {
            capture.ThreadId = Environment.CurrentManagedThreadId;
            try
            {
                entryPoint.Invoke(null, [args]);
            }
            catch (TargetInvocationException ex)
            {
                capture.Failed(ex.InnerException ?? ex);
            }
        });
        run.Start();
        var host = await capture.Started.WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            var response = await client.GetAsync(path);
            output.WriteLine($"{page} block #{index}: GET {path} -> {(int)response.StatusCode}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, "the request reached the stub backend through the documented gateway");
            (await response.Content.ReadAsStringAsync()).Should().Be("stub:" + path);
        }
        finally
        {
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            run.Join(TimeSpan.FromSeconds(30)).Should().BeTrue("the program ends when the host stops");
            context.Unload();
        }
    }

    /// <summary>A path the first route that requires no authorization matches (parameters and catch-alls filled with 1).</summary>
    private static string RequestPath(List<KeyValuePair<string, string?>> settings)
    {
        var routes = settings.Where(kv => kv.Key.StartsWith("EdgeKit:Routes:", StringComparison.OrdinalIgnoreCase))
            .GroupBy(kv => kv.Key.Split(':')[2], StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            var keys = route.ToDictionary(kv => kv.Key.Split(':', 4)[3], kv => kv.Value, StringComparer.OrdinalIgnoreCase);
            if ((keys.TryGetValue("AuthorizationPolicy", out var policy) && policy != "anonymous") || !keys.ContainsKey("Cluster")
                || keys.ContainsKey("RateLimiterPolicy") || keys.Keys.Any(k => k.StartsWith("Match:Headers", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Match:Hosts", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            string template = keys.GetValueOrDefault("Match:Path") ?? "/";
            return System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]*\}", "1");
        }

        throw new InvalidOperationException("the configuration has no route a plain GET can reach");
    }

    /// <summary>Catches the host a program builds on its own thread (the hosting diagnostics event HostBuilt), and its start.</summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly TaskCompletionSource<IHost> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<IDisposable> _subscriptions = [];

        public HostCapture() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

        public int ThreadId { get; set; } = -1;

        public Task<IHost> Started => _started.Task;

        public void Failed(Exception exception) => _started.TrySetException(exception);

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilt" && value.Value is IHost host && Environment.CurrentManagedThreadId == ThreadId)
            {
                host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => _started.TrySetResult(host));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }

    /// <summary>A real Kestrel backend on 127.0.0.1 that answers "stub:" and the path.</summary>
    private sealed class StubBackend(WebApplication app, string address) : IAsyncDisposable
    {
        public string Address { get; } = address;

        public static async Task<StubBackend> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(context => context.Response.WriteAsync("stub:" + context.Request.Path + context.Request.QueryString));
            await app.StartAsync();
            return new StubBackend(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'));
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
