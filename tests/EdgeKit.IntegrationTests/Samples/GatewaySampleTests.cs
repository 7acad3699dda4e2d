using System.Diagnostics;

namespace EdgeKit.IntegrationTests.Samples;

/// <summary>The README's main command works: the gateway sample, built with the solution, passes its own smoke check.</summary>
public sealed class GatewaySampleTests
{
    [Fact]
    public async Task The_gateway_sample_starts_its_services_and_answers_as_its_smoke_check_expects()
    {
        // The sample is built by the same `dotnet test EdgeKit.sln` in the same configuration as this assembly.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = testOutput.Parent!.Name;
        string root = FindRepositoryRoot(testOutput);
        string sample = Path.Combine(root, "samples", "Gateway", "bin", configuration, "net10.0", "Gateway.dll");
        File.Exists(sample).Should().BeTrue($"the sample is built with the solution ({sample})");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(sample)! };
        start.ArgumentList.Add(sample);
        start.ArgumentList.Add("--smoke");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string text = await output;
        process.ExitCode.Should().Be(0, text + await errors);
        text.Should().Contain("smoke: all as expected");
        text.Should().Contain("TOKEN=ey", "the sample prints a ready-to-paste demo token");
    }

    private static string FindRepositoryRoot(DirectoryInfo start)
    {
        for (var directory = start; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeKit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"EdgeKit.sln not found above {start.FullName}.");
    }
}
