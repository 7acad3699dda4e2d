using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeKit.IntegrationTests.Infrastructure;
using EdgeKit.TestShared;

namespace EdgeKit.IntegrationTests.Aot;

/// <summary>
/// The core stays Native AOT compatible: tests/EdgeKit.AotSmoke (a console program over the core's main public surface)
/// publishes with <c>PublishAot</c> without a single trim or AOT warning, and the native binary does what it should.
/// Needs clang and zlib1g-dev (installed by .ci/run). About half a minute to two minutes on a 2-core machine.
/// </summary>
public sealed partial class NativeAotTests
{
    [Fact]
    public async Task The_core_publishes_with_native_AOT_without_trim_or_AOT_warnings_and_the_native_binary_runs()
    {
        string root = RepositoryRoot.Find();
        // Everything the publish writes (its own build of the core included) goes under one temp folder, apart from the
        // solution's bin/obj, which the same `dotnet test EdgeKit.sln` may be building at the same time.
        string work = Path.Combine(Path.GetTempPath(), "edgekit-aot-" + Guid.NewGuid().ToString("N"));
        string output = Path.Combine(work, "publish");
        try
        {
            var publish = new ProcessStartInfo("dotnet") { WorkingDirectory = root };
            foreach (string argument in new[]
            {
                "publish", Path.Combine("tests", "EdgeKit.AotSmoke", "EdgeKit.AotSmoke.csproj"), "-c", "Release", "-r", "linux-x64",
                "-p:PublishAot=true", "-o", output, "--artifacts-path", Path.Combine(work, "artifacts"), "--disable-build-servers", "-nologo",
            })
            {
                publish.ArgumentList.Add(argument);
            }

            // Started from a test host: MSBuild's own variables would point the child build at the test's build.
            foreach (string name in publish.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                publish.Environment.Remove(name);
            }

            var (published, log) = await ProcessRunner.RunAsync(publish, TimeSpan.FromMinutes(10));

            published.Should().Be(0, log);
            TrimOrAotWarning().Matches(log).Select(m => m.Value).Distinct().Should().BeEmpty("the core and what it uses are trimming and AOT safe:\n" + log);
            string binary = Path.Combine(output, "EdgeKit.AotSmoke");
            File.Exists(binary).Should().BeTrue("a native executable is published");

            var (exitCode, printed) = await ProcessRunner.RunAsync(new ProcessStartInfo(binary), TimeSpan.FromSeconds(30));

            exitCode.Should().Be(0, printed);
            printed.Should().NotContain("FAIL");
            printed.Should().Contain("ok   ConsistentHash: 30 picks");
            printed.Should().Contain("ok   health: b unhealthy, picked a,c, 2 available");
            printed.Should().Contain("ok   handler: ");
            printed.Should().Contain("ok   token bucket: acquired True/True/False, retry after 5 s");
            printed.Should().Contain("ok   DI: 127.0.0.1:9101/p");
            printed.Should().Contain("aot-smoke: all as expected");
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    [GeneratedRegex(@"\bIL[23]\d{3}\b")]
    private static partial Regex TrimOrAotWarning();
}
