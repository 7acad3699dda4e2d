using System.Diagnostics;

namespace EdgeKit.Gateway.Tests.Templates;

/// <summary>Runs the dotnet CLI as a child process, bounded in time, without leaving build servers behind.</summary>
internal static class DotnetCli
{
    /// <summary>The configuration this test assembly was built in: the packages are packed from that build.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>Splits a command as written in the README (words apart by spaces; no quoting but <c>"$PWD/..."</c>).</summary>
    public static List<string> Words(string command) =>
        command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>A start for <c>dotnet ARGS</c> in <paramref name="directory"/>, with the test host's MSBuild variables removed.</summary>
    public static ProcessStartInfo Start(string directory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test runs inside `dotnet test`, whose MSBuild variables would point a child build at the wrong SDK pieces.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        // No MSBuild node, MSBuild server or compiler server outlives the command.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return start;
    }

    /// <summary>Runs <c>dotnet ARGS</c> to its end; the process tree is killed when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string directory, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = Start(directory, args);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`dotnet {string.Join(' ', start.ArgumentList)}` took longer than {timeout}:\n{await output}\n{await error}");
        }

        return (process.ExitCode, await output, await error);
    }
}
