using System.Globalization;

namespace EdgeKit.Benchmarks.Gateway;

/// <summary>
/// What both benchmark gateways take from their command line (or, when absent, the environment):
/// <c>--port</c> (<c>GWBENCH_PORT</c>, default 8080) where the gateway listens, <c>--admin-port</c>
/// (<c>GWBENCH_ADMIN_PORT</c>, default 8081) where the allocation counter is read, and <c>--backends</c>
/// (<c>GWBENCH_BACKENDS</c>, default <c>127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003</c>) the cluster's destinations.
/// Everything binds to 127.0.0.1 only.
/// </summary>
internal sealed record GatewayBenchSettings(int Port, int AdminPort, IReadOnlyList<string> Backends)
{
    public static GatewayBenchSettings Parse(string[] args)
    {
        string? port = null, adminPort = null, backends = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--port":
                    port = value;
                    break;
                case "--admin-port":
                    adminPort = value;
                    break;
                case "--backends":
                    backends = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{name}'. Use --port N --admin-port N --backends host:port,host:port,...");
            }

            i++;
        }

        port ??= Environment.GetEnvironmentVariable("GWBENCH_PORT") ?? "8080";
        adminPort ??= Environment.GetEnvironmentVariable("GWBENCH_ADMIN_PORT") ?? "8081";
        backends ??= Environment.GetEnvironmentVariable("GWBENCH_BACKENDS") ?? "127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003";
        var list = backends.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
        {
            throw new ArgumentException("--backends lists no backend.");
        }

        return new GatewayBenchSettings(ParsePort(port, "--port"), ParsePort(adminPort, "--admin-port"), list);
    }

    /// <summary>The backends as absolute http addresses.</summary>
    public IEnumerable<string> BackendAddresses => Backends.Select(b => b.Contains("://", StringComparison.Ordinal) ? b : "http://" + b);

    private static int ParsePort(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? port
            : throw new ArgumentException($"{name} must be a port number from 1 to 65535, not '{text}'.");
}
