using EdgeKit.AspNetCore.Migration;
using EdgeKit.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeKit.Gateway;

/// <summary>The peers whose configuration <c>edgekit convert</c> reads.</summary>
internal enum ConvertFrom
{
    /// <summary>YARP: an appsettings.json holding <c>ReverseProxy</c>, or the <c>ReverseProxy</c> section alone.</summary>
    Yarp,

    /// <summary>Ocelot: ocelot.json (<c>Routes</c>, <c>Aggregates</c>, <c>GlobalConfiguration</c>).</summary>
    Ocelot,
}

/// <summary>The <c>edgekit</c> command line: <c>run</c>, <c>check</c>, <c>convert</c>.</summary>
internal static class GatewayCommand
{
    /// <summary>Exit code: the file has problems (check), or something could not be carried over (convert), or the gateway could not start (run).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code: the command line is wrong, or the file cannot be read.</summary>
    public const int Usage = 2;

    public const string Help = """
        Usage:
          edgekit run <gateway.json>                                 start the gateway described by the file
          edgekit check <gateway.json>                               validate the file: every problem, with its key
          edgekit convert --from yarp|ocelot <file> [--output <out>] write the EdgeKit file for a YARP or Ocelot configuration
                                                                     (to standard output without --output)
        Environment variables prefixed EDGEKIT_ override the file (EDGEKIT_EdgeKit__Routes__orders__Cluster=orders).
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        switch (args)
        {
            case ["run", var file]:
                return await RunGatewayAsync(file, error, cancellationToken);
            case ["check", var file]:
                return await CheckAsync(file, output, error);
            case ["convert", ..]:
                return Convert(args[1..], output, error);
            case ["--help" or "-h" or "help"]:
                await output.WriteLineAsync(Help);
                return 0;
            default:
                await error.WriteLineAsync(Help);
                return Usage;
        }
    }

    private static async Task<int> RunGatewayAsync(string file, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Exists(file, error))
        {
            return Usage;
        }

        WebApplication app;
        try
        {
            app = GatewayApp.Build(file, applyToProcess: true);
        }
        catch (Exception ex) when (Problems(ex) is { Count: > 0 } problems)
        {
            await WriteProblemsAsync(file, problems, error);
            return Invalid;
        }

        await using (app)
        {
            if (await StartAsync(app, cancellationToken) is { Count: > 0 } problems)
            {
                await WriteProblemsAsync(file, problems, error);
                return Invalid;
            }

            var host = app.Services.GetRequiredService<IOptions<HostSettings>>().Value;
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeKit.Gateway").LogInformation(
                new EventId(1903, "InlineIo"),
                "Inline I/O: Kestrel inline scheduling {InlineScheduling}, inline socket completions {InlineSocketCompletions}, EdgeKit sockets {EdgeKitSockets}.",
                host.InlineIo.Scheduling,
                Environment.GetEnvironmentVariable(InlineIo.CompletionsVariable) == "1",
                host.InlineIo.EdgeKitSockets);
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return 0;
    }

    /// <summary>Builds and starts the gateway without listening: every check of a real start runs.</summary>
    internal static async Task<int> CheckAsync(string file, TextWriter output, TextWriter error)
    {
        if (!Exists(file, error))
        {
            return Usage;
        }

        IReadOnlyList<string> problems;
        try
        {
            await using var app = GatewayApp.Build(file, checkOnly: true, logging: _ => { });
            problems = await StartAsync(app, CancellationToken.None);
            if (problems.Count == 0)
            {
                var routes = app.Services.GetRequiredService<IOptions<EdgeKit.AspNetCore.Configuration.GatewayOptions>>().Value.Routes.Count;
                var clusters = app.Services.GetRequiredService<IOptions<EdgeKitOptions>>().Value.Clusters.Count;
                await app.StopAsync();
                await output.WriteLineAsync($"{file}: valid ({routes} {(routes == 1 ? "route" : "routes")}, {clusters} {(clusters == 1 ? "cluster" : "clusters")}).");
                return 0;
            }
        }
        catch (Exception ex) when (Problems(ex) is { Count: > 0 } found)
        {
            problems = found;
        }

        await WriteProblemsAsync(file, problems, output);
        return Invalid;
    }

    /// <summary>
    /// Starts the gateway; the problems that stop it, or none. The host's own settings are checked first, on their own,
    /// so that their problems are listed beside those the start finds (which stops at its first failing step).
    /// </summary>
    private static async Task<List<string>> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        try
        {
            _ = app.Services.GetRequiredService<IOptions<HostSettings>>().Value;
        }
        catch (Exception ex) when (Problems(ex) is { Count: > 0 } found)
        {
            problems.AddRange(found);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (Problems(ex) is { Count: > 0 } found)
        {
            problems.AddRange(found);
        }

        return problems.Distinct(StringComparer.Ordinal).ToList();
    }

    private static int Convert(string[] args, TextWriter output, TextWriter error)
    {
        string? from = null, file = null, target = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--from" when i + 1 < args.Length:
                    from = args[++i];
                    break;
                case "--output" or "-o" when i + 1 < args.Length:
                    target = args[++i];
                    break;
                case var value when !value.StartsWith('-') && file is null:
                    file = value;
                    break;
                default:
                    error.WriteLine(Help);
                    return Usage;
            }
        }

        if (file is null || from is null || !Enum.TryParse<ConvertFrom>(from, ignoreCase: true, out var dialect) || int.TryParse(from, out _))
        {
            error.WriteLine(from is null || file is null ? Help : $"--from: '{from}' is not yarp or ocelot.");
            return Usage;
        }

        if (!Exists(file, error))
        {
            return Usage;
        }

        ConfigurationConversion result;
        try
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false).Build();
            result = dialect == ConvertFrom.Yarp
                ? EdgeKitConfigurationConverter.FromYarp(configuration)
                : EdgeKitConfigurationConverter.FromOcelot(configuration);
        }
        catch (InvalidDataException ex)
        {
            error.WriteLine($"{file}: {Describe(ex)}");
            return Invalid;
        }

        if (target is null)
        {
            output.Write(result.Json);
        }
        else
        {
            File.WriteAllText(target, result.Json);
            error.WriteLine($"{target}: written.");
        }

        if (result.CarriedInPart.Count > 0)
        {
            error.WriteLine($"{file}: {result.CarriedInPart.Count} {(result.CarriedInPart.Count == 1 ? "setting was" : "settings were")} carried over with a difference:");
            foreach (var line in result.CarriedInPart)
            {
                error.WriteLine("  " + line);
            }
        }

        if (result.NotCarriedOver.Count == 0)
        {
            error.WriteLine($"{file}: everything was carried over.");
            return 0;
        }

        error.WriteLine($"{file}: {result.NotCarriedOver.Count} {(result.NotCarriedOver.Count == 1 ? "setting was" : "settings were")} not carried over:");
        foreach (var line in result.NotCarriedOver)
        {
            error.WriteLine("  " + line);
        }

        return Invalid;
    }

    private static bool Exists(string file, TextWriter error)
    {
        if (File.Exists(file))
        {
            return true;
        }

        error.WriteLine($"{file}: no such file.");
        return false;
    }

    private static async Task WriteProblemsAsync(string file, IReadOnlyList<string> problems, TextWriter writer)
    {
        await writer.WriteLineAsync($"{file}: {problems.Count} {(problems.Count == 1 ? "error" : "errors")}:");
        foreach (var problem in problems)
        {
            await writer.WriteLineAsync("  " + problem);
        }
    }

    /// <summary>The problems an exception of a start reports, one sentence each; empty for an exception that is not a configuration problem.</summary>
    internal static List<string> Problems(Exception exception)
    {
        var problems = new List<string>();
        Collect(exception, problems);
        return problems.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Collect(Exception exception, List<string> problems)
    {
        switch (exception)
        {
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, problems);
                }

                break;
            case OptionsValidationException validation:
                problems.AddRange(validation.Failures);
                break;
            case EdgeKitConfigurationException configuration:
                problems.AddRange(configuration.Errors);
                break;
            case InvalidDataException or FormatException or InvalidOperationException or IOException:
                problems.Add(Describe(exception));
                break;
        }
    }

    /// <summary>An exception's message with those of its causes (a JSON syntax error is the inner exception of the file's).</summary>
    private static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message.TrimEnd('.'));
        }

        return string.Join(": ", parts) + ".";
    }
}
