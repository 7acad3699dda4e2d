using System.Diagnostics;

namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>Runs a program to its end with its output captured: the samples' smoke checks, <c>dotnet publish</c>, a native binary.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs a process to its end (killed with its children after <paramref name="limit"/>); its exit code and output (stdout, then stderr).</summary>
    /// <exception cref="TimeoutException">It did not end within <paramref name="limit"/>; the message holds what it printed.</exception>
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
