using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using EdgeKit.TestShared;

namespace EdgeKit.Gateway.Tests.Templates;

/// <summary>
/// Every command of README.md's <c>bash</c>/<c>sh</c> blocks is one a test runs: here (the gateway program's), by the
/// template tests (packing, installing, instantiating, testing), or by the test or CI step named below. A new command
/// without a test fails the first test, and so does a listed command the README no longer has.
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed partial class ReadmeTests
{
    private const string Check = "dotnet run --project src/EdgeKit.Gateway -c Release -- check samples/gateway.json";
    private const string Run = "dotnet run --project src/EdgeKit.Gateway -c Release -- run samples/gateway.json";
    private static readonly string s_root = RepositoryRoot.Find();

    /// <summary>The commands build the program first: seconds when it is up to date on a quiet machine, minutes on a busy one.</summary>
    private static readonly TimeSpan s_bound = TimeSpan.FromMinutes(6);

    /// <summary>Commands run by another test or by CI: the file that runs them, and what it holds that shows it.</summary>
    private static readonly (string Command, string File, string Holds)[] s_elsewhere =
    [
        ("dotnet run --project samples/Gateway -c Release", "tests/EdgeKit.IntegrationTests/Samples/GatewaySampleTests.cs", "The_gateway_sample_starts_its_services_and_answers_as_its_smoke_check_expects"),
        ("dotnet run --project samples/ClientBalancing -c Release", "tests/EdgeKit.IntegrationTests/Samples/ClientBalancingSampleTests.cs", "The_client_balancing_sample_spreads_its_calls_retries_and_skips_the_faulty_instance_as_its_smoke_check_expects"),
        ("dotnet test EdgeKit.sln -c Release", ".ci/run", "\ndotnet test EdgeKit.sln -c Release "),
        ("bash tests/EdgeKit.Fuzz/run.sh", ".ci/run", "bash tests/EdgeKit.Fuzz/run.sh all 45"),
    ];

    [GeneratedRegex(@"^```(?:bash|sh)\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    /// <summary>The commands of the README's shell blocks, in order: comments and blank lines left out, continuations joined.</summary>
    internal static List<string> Commands(string markdown) => ShellBlock().Matches(markdown.Replace("\r\n", "\n", StringComparison.Ordinal))
        .SelectMany(block => block.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        .Select(line => line.Trim())
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => Spaces().Replace(TrailingComment().Replace(line, ""), " "))
        .ToList();

    [Fact]
    public void Every_command_of_the_README_is_run_by_a_test()
    {
        var readme = Commands(File.ReadAllText(Path.Combine(s_root, "README.md")));
        var tested = new[] { Check, Run }
            .Concat(PackedTemplates.PackAndInstall)
            .Concat(PackedTemplates.NewAndTest.Values.SelectMany(c => c))
            .Concat(s_elsewhere.Select(e => e.Command))
            .ToList();

        readme.Except(tested).Should().BeEmpty("every command of README.md needs a test that runs it (listed in ReadmeTests)");
        tested.Except(readme).Should().BeEmpty("a command the README no longer has is not listed as tested");
        foreach (var (command, file, holds) in s_elsewhere)
        {
            File.ReadAllText(Path.Combine(s_root, file)).Should().Contain(holds, $"{file} runs `{command}`");
        }
    }

    [Fact]
    public void Commands_are_read_from_bash_and_sh_blocks_only()
    {
        const string Markdown = "text\n```bash\n# a comment\ndotnet build   # trailing words\n\ndotnet run \\\n  --project x\n```\n```sh\nls\n```\n```text\nnot a command\n```\n";

        Commands(Markdown).Should().Equal("dotnet build", "dotnet run --project x", "ls");
    }

    [Fact]
    public async Task The_READMEs_first_command_checks_the_sample_gateway_file()
    {
        var first = Commands(File.ReadAllText(Path.Combine(s_root, "README.md")))[0];
        first.Should().Be(Check);

        var (exit, output, error) = await DotnetCli.RunAsync(s_root, DotnetCli.Words(Check).Skip(1), s_bound);

        (exit, output, error).Should().Be((0, "samples/gateway.json: valid (1 route, 1 cluster).\n", ""));
    }

    [Fact]
    public async Task The_READMEs_run_command_serves_the_sample_gateway_file()
    {
        // As the README says, but on a free port of 127.0.0.1 (the file's endpoint overridden the documented way).
        var start = DotnetCli.Start(s_root, DotnetCli.Words(Run).Skip(1));
        start.Environment["EDGEKIT_Kestrel__Endpoints__http__Url"] = "http://127.0.0.1:0";
        using var process = Process.Start(start)!;
        try
        {
            var error = process.StandardError.ReadToEndAsync();
            string? address = null;
            var seen = new List<string>();
            var reading = Task.Run(async () =>
            {
                while (address is null && await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    seen.Add(line);
                    address = Listening().Match(line) is { Success: true } m ? m.Groups[1].Value : null;
                }
            });
            await Task.WhenAny(reading, Task.Delay(s_bound));

            address.Should().NotBeNull($"the gateway says where it listens; it printed:\n{string.Join('\n', seen)}\n{(error.IsCompleted ? await error : "")}");
            using var client = new HttpClient { BaseAddress = new Uri(address!) };
            using var live = await client.GetAsync("/healthz/live");
            (live.StatusCode, await live.Content.ReadAsStringAsync()).Should().Be((HttpStatusCode.OK, "live\n"));
            // The sample's route needs an API key.
            using var orders = await client.GetAsync("/orders/1");
            orders.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            orders.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
