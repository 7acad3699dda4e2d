using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeKit.TestShared;

namespace EdgeKit.Gateway.Tests.Templates;

/// <summary>The tests that run the dotnet CLI (packs, template instantiations, the README's commands): one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class DotnetCliCollection : ICollectionFixture<PackedTemplates>
{
    public const string Name = "dotnet CLI";
}

/// <summary>
/// The EdgeKit packages and the template package packed once per test run into a temporary folder (the packages at a
/// version of their own, so that NuGet's cache never hands an earlier run's build to this one), and the template
/// package installed into a temporary template hive. The commands are the README's, with the test's additions.
/// </summary>
public sealed partial class PackedTemplates : IAsyncLifetime
{
    /// <summary>The README's commands that make the packages and install the templates, run from the repository's root.</summary>
    internal static readonly string[] PackAndInstall =
    [
        "dotnet pack src/EdgeKit -c Release -o artifacts",
        "dotnet pack src/EdgeKit.AspNetCore -c Release -o artifacts",
        "dotnet pack templates/EdgeKit.Templates -c Release -o artifacts",
        "dotnet new install artifacts/EdgeKit.Templates.1.0.0.nupkg",
    ];

    /// <summary>The README's commands that make a project from each template and run its tests, by template.</summary>
    internal static readonly Dictionary<string, string[]> NewAndTest = new()
    {
        ["edgekit-gateway"] = ["dotnet new edgekit-gateway -o MyGateway --LocalFeed \"$PWD/artifacts\"", "dotnet test MyGateway/MyGateway.slnx"],
        ["edgekit-client"] = ["dotnet new edgekit-client -o MyClient --LocalFeed \"$PWD/artifacts\"", "dotnet test MyClient/MyClient.slnx"],
    };

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(4);
    private static readonly string s_root = RepositoryRoot.Find();
    private readonly Lazy<Task> _packed;
    private readonly string _folder = Directory.CreateTempSubdirectory("edgekit-templates-").FullName;

    public PackedTemplates()
    {
        _packed = new Lazy<Task>(PackAsync);
        Feed = Path.Combine(_folder, "artifacts");
        Hive = Path.Combine(_folder, "hive");
        Work = Path.Combine(_folder, "work");
        Directory.CreateDirectory(Work);
    }

    /// <summary>This run's package version: a prerelease no other run uses.</summary>
    public string Version { get; } = $"1.0.0-test.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.ProcessId}";

    /// <summary>The folder the packages are packed into (the README's <c>artifacts</c>).</summary>
    public string Feed { get; }

    /// <summary>The template hive (<c>--debug:custom-hive</c>): the machine's own template list is left alone.</summary>
    public string Hive { get; }

    /// <summary>Where the templates are instantiated (the README's current folder).</summary>
    public string Work { get; }

    /// <summary>How long packing and installing took.</summary>
    public TimeSpan PackTime { get; private set; }

    /// <summary>Packs and installs once; later calls wait for the same work.</summary>
    public Task EnsurePackedAsync() => _packed.Value;

    /// <summary>Runs the README's <c>dotnet new</c> and <c>dotnet test</c> for <paramref name="template"/>.</summary>
    /// <returns>The test run's exit code, its output, and the counts it printed (failed, passed, skipped, total).</returns>
    public async Task<(int ExitCode, string Output, (int Failed, int Passed, int Skipped, int Total)? Counts)> NewAndTestAsync(string template)
    {
        await EnsurePackedAsync();
        var commands = NewAndTest[template];
        await RunAsync(Work, commands[0], ["--EdgeKitVersion", Version, "--debug:custom-hive", Hive]);
        var (exit, output, error) = await DotnetCli.RunAsync(Work, Expand(commands[1]).Skip(1).Append("--disable-build-servers"), s_timeout);
        var counts = TestCounts().Match(output);
        return (exit, output + error, counts.Success
            ? (int.Parse(counts.Groups[1].Value), int.Parse(counts.Groups[2].Value), int.Parse(counts.Groups[3].Value), int.Parse(counts.Groups[4].Value))
            : null);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        TryDelete(_folder);
        // This run's version of the packages in NuGet's global folder: nothing else uses it.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "edgekit", "edgekit.aspnetcore" })
        {
            TryDelete(Path.Combine(packages, id, Version.ToLowerInvariant()));
        }

        // And the nuspec files pack leaves in the projects' obj folders.
        foreach (var project in new[] { "src/EdgeKit", "src/EdgeKit.AspNetCore", "templates/EdgeKit.Templates" })
        {
            var obj = Path.Combine(s_root, project, "obj", DotnetCli.Configuration);
            if (Directory.Exists(obj))
            {
                foreach (var nuspec in Directory.EnumerateFiles(obj, $"*.{Version}*.nuspec"))
                {
                    File.Delete(nuspec);
                }
            }
        }

        return Task.CompletedTask;
    }

    [GeneratedRegex(@"Failed:\s*(\d+), Passed:\s*(\d+), Skipped:\s*(\d+), Total:\s*(\d+)")]
    private static partial Regex TestCounts();

    private async Task PackAsync()
    {
        var clock = Stopwatch.StartNew();
        // The libraries are packed from this test run's build of them, and not restored: a restore at another version
        // would rewrite their obj/project.assets.json, and the next build would compile them all again.
        // The template package has nothing to compile.
        await RunAsync(s_root, PackAndInstall[0], ["--no-build", "--no-restore", $"-p:PackageVersion={Version}"]);
        await RunAsync(s_root, PackAndInstall[1], ["--no-build", "--no-restore", $"-p:PackageVersion={Version}"]);
        await RunAsync(s_root, PackAndInstall[2], [$"-p:PackageVersion={Version}", "--disable-build-servers"]);
        await RunAsync(Work, PackAndInstall[3], ["--debug:custom-hive", Hive]);
        PackTime = clock.Elapsed;
    }

    /// <summary>The README's command with this run's folders, configuration and version, and the test's additions.</summary>
    private async Task RunAsync(string directory, string command, string[] additions)
    {
        var args = Expand(command).Skip(1).Concat(additions).ToList();
        var (exit, output, error) = await DotnetCli.RunAsync(directory, args, s_timeout);
        if (exit != 0)
        {
            throw new InvalidOperationException($"`dotnet {string.Join(' ', args)}` exited with {exit}:\n{output}\n{error}");
        }
    }

    private IEnumerable<string> Expand(string command) => DotnetCli.Words(command).Select(word => word switch
    {
        "Release" => DotnetCli.Configuration,
        "artifacts" or "\"$PWD/artifacts\"" => Feed,
        "artifacts/EdgeKit.Templates.1.0.0.nupkg" => Path.Combine(Feed, $"EdgeKit.Templates.{Version}.nupkg"),
        _ => word,
    });

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
