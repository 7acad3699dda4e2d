using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeKit.TestShared;

namespace EdgeKit.Gateway.Tests.Templates;

/// <summary>
/// Issue 17: the host publishes as one self-contained executable (docs/gateway-host.md, "Container and single file"),
/// and that executable runs with no SDK involved. Published into a temporary artifacts folder, so the repository's own
/// obj/bin folders (which the other CLI tests build from) are not touched.
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed class SingleFilePublishTests
{
    private static readonly string s_root = RepositoryRoot.Find();

    [Fact]
    public async Task The_gateway_publishes_as_one_self_contained_executable_that_checks_a_file()
    {
        string rid = RuntimeInformation.RuntimeIdentifier;
        string folder = Directory.CreateTempSubdirectory("edgekit-single-file-").FullName;
        try
        {
            string output = Path.Combine(folder, "out");
            var (exit, stdout, stderr) = await DotnetCli.RunAsync(s_root,
                ["publish", "src/EdgeKit.Gateway", "-c", "Release", "-r", rid, "--self-contained", "-p:PublishSingleFile=true",
                 "-o", output, "--artifacts-path", Path.Combine(folder, "artifacts")],
                TimeSpan.FromMinutes(6));
            exit.Should().Be(0, $"publish succeeds:\n{stdout}\n{stderr}");

            // One executable: no managed dll, no runtime files beside it (symbols and the app's own json files may be).
            var files = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
            files.Should().Contain("EdgeKit.Gateway");
            files.Where(f => f!.EndsWith(".dll", StringComparison.Ordinal) || f!.EndsWith(".so", StringComparison.Ordinal)).Should().BeEmpty();

            // It runs without the SDK: `check` on the sample file, exactly as through `dotnet run`.
            var start = new ProcessStartInfo(Path.Combine(output, "EdgeKit.Gateway"))
            {
                WorkingDirectory = s_root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("check");
            start.ArgumentList.Add("samples/gateway.json");
            start.Environment.Remove("DOTNET_ROOT");
            using var process = Process.Start(start)!;
            var read = process.StandardOutput.ReadToEndAsync();
            var readError = process.StandardError.ReadToEndAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(bound.Token);

            (process.ExitCode, await read, await readError).Should().Be((0, "samples/gateway.json: valid (1 route, 1 cluster).\n", ""));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
