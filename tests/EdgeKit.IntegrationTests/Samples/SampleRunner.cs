using System.Diagnostics;
using EdgeKit.IntegrationTests.Infrastructure;
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

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(sample)! };
        start.ArgumentList.Add(sample);
        start.ArgumentList.Add("--smoke");
        return await ProcessRunner.RunAsync(start, TimeSpan.FromSeconds(90));
    }
}
