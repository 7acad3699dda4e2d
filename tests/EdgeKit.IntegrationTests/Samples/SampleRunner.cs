using System.Diagnostics;
using EdgeKit.TestShared;

namespace EdgeKit.IntegrationTests.Samples;

/// <summary>Runs a sample built with the solution (a project reference without its assembly) in its <c>--smoke</c> mode.</summary>
internal static class SampleRunner
{
    /// <summary>Runs <c>samples/&lt;name&gt;</c>'s built assembly with <c>--smoke</c>; the exit code and what it printed (stdout, then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunSmokeAsync(string name)
    {
        // The sample is built by the same `dotnet test EdgeKit.sln` in the same configuration as this assembly.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = testOutput.Parent!.Name;
        string sample = Path.Combine(RepositoryRoot.Find(), "samples", name, "bin", configuration, "net10.0", name + ".dll");
        File.Exists(sample).Should().BeTrue($"the sample is built with the solution ({sample})");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(sample)! };
        start.ArgumentList.Add(sample);
        start.ArgumentList.Add("--smoke");
        return await RunAsync(start, TimeSpan.FromSeconds(90));
    }

    /// <summary>Runs a process to its end (killed with its children after <paramref name="limit"/>); its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, TimeSpan limit)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not end within {limit}:\n{await output}{await errors}");
        }

        return (process.ExitCode, await output + await errors);
    }
}
