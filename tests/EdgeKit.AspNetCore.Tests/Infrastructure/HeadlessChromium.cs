using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket on 127.0.0.1): navigate, evaluate
/// JavaScript in the page, wait for a condition. The browser is a child process ended by its PID on dispose.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessChromium(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    public static string? FindExecutable() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public static async Task<HeadlessChromium> StartAsync()
    {
        string executable = FindExecutable()
            ?? throw new InvalidOperationException("Chromium is not installed: `apt-get install -y chromium` (.ci/run does it).");
        string profile = Directory.CreateTempSubdirectory("edgekit-chromium-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.StandardOutput.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
        string? browserSocket = null;
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (browserSocket is null)
            {
                string? line = await process.StandardError.ReadLineAsync(limit.Token);
                if (line is null)
                {
                    throw new InvalidOperationException($"Chromium exited before opening DevTools (exit code {(process.HasExited ? process.ExitCode : -1)}).");
                }

                var match = DevToolsLine().Match(line);
                if (match.Success)
                {
                    browserSocket = match.Groups[1].Value;
                }
            }
        }

        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        var port = new Uri(browserSocket).Port;
        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        string pageSocket = targets.First(t => t!["type"]!.GetValue<string>() == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(pageSocket), CancellationToken.None);
        var browser = new HeadlessChromium(process, profile, socket);
        await browser.SendAsync("Page.enable", new JsonObject());
        return browser;
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync($"location.href.startsWith({JsonSerializer.Serialize(url)}) && document.readyState === 'complete'", TimeSpan.FromSeconds(15));
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (result?["exceptionDetails"] is { } error)
        {
            throw new InvalidOperationException($"Page script failed: {error.ToJsonString()}");
        }

        return result?["result"]?["value"];
    }

    /// <summary>Polls until <paramref name="condition"/> (a JavaScript expression) is true; fails after <paramref name="limit"/>.</summary>
    public async Task WaitForAsync(string condition, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if ((await EvaluateAsync($"Boolean({condition})"))?.GetValue<bool>() == true)
            {
                return;
            }

            if (deadline.Elapsed > limit)
            {
                string page = (await EvaluateAsync("document.body ? document.body.innerText : ''"))?.GetValue<string>() ?? "";
                throw new TimeoutException($"'{condition}' did not become true within {limit.TotalSeconds} s. Page text:\n{page}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<JsonNode?> SendAsync(string method, JsonObject parameters)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var received = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer, limit.Token);
                received.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var reply = JsonNode.Parse(received.ToArray());
            if (reply?["id"]?.GetValue<int>() == id)
            {
                if (reply["error"] is { } error)
                {
                    throw new InvalidOperationException($"DevTools {method} failed: {error.ToJsonString()}");
                }

                return reply["result"];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
        }

        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
