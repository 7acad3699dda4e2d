using System.Diagnostics;
using System.Net;
using System.Text.Json;
using EdgeKit.Gateway.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;

namespace EdgeKit.Gateway.Tests;

/// <summary>The program itself, started as a process on 127.0.0.1, as a user (or an orchestrator) runs it.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task The_program_serves_from_the_file_logs_one_JSON_object_per_line_and_stops_cleanly_on_SIGTERM()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/orders", () => "orders"));
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": { "ShutdownTimeout": "00:00:10" },
              "EdgeKit": {
                "Clusters": { "orders": { "Destinations": { "o1": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "orders": { "Match": { "Path": "/orders" }, "Cluster": "orders" } }
              }
            }
            """);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EdgeKit.Gateway.dll"));
        start.ArgumentList.Add("run");
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                if (line.Contains("Now listening on", StringComparison.Ordinal))
                {
                    using var entry = JsonDocument.Parse(line);
                    listening.TrySetResult(entry.RootElement.GetProperty("State").GetProperty("address").GetString()!);
                }
            }
        });
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            (await client.GetStringAsync("/orders")).Should().Be("orders");
            using (var ready = await client.GetAsync("/healthz/ready"))
            {
                ready.StatusCode.Should().Be(HttpStatusCode.OK);
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await reading.WaitAsync(TimeSpan.FromSeconds(10));
            process.ExitCode.Should().Be(0);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        lines.Should().NotBeEmpty();
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            entry.RootElement.GetProperty("Timestamp").GetString().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$");
            entry.RootElement.GetProperty("LogLevel").GetString().Should().NotBeNullOrEmpty();
            entry.RootElement.GetProperty("Category").GetString().Should().NotBeNullOrEmpty();
        }

        lines.Should().Contain(l => l.Contains("\"Message\":\"Application is shutting down...\"", StringComparison.Ordinal));

        // Host:InlineIo at its defaults: Kestrel schedules inline, and the runtime was given inline socket completions
        // before the process's first socket (the variable as the runtime read it).
        lines.Should().ContainSingle(l => l.Contains("\"EventId\":1903", StringComparison.Ordinal))
            .Which.Should().Contain("\"Message\":\"Inline I/O: Kestrel inline scheduling True, inline socket completions True, EdgeKit sockets True.\"");
    }
}
