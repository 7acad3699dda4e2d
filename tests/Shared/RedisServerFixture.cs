using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeKit.TestShared;

/// <summary>
/// A real <c>redis-server</c> for the cache tests: started on 127.0.0.1 on a free port as a child process (no
/// persistence), stopped by its PID when the tests end. Tests that need it fail with a clear reason when
/// <c>redis-server</c> is not installed (a missing dependency must not pass silently).
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;

    /// <summary>The StackExchange.Redis configuration string, e.g. <c>127.0.0.1:41234</c>.</summary>
    public string Configuration { get; private set; } = "";

    /// <summary>Null when the server runs; otherwise why it does not.</summary>
    public string? Unavailable { get; private set; }

    public async Task InitializeAsync()
    {
        string? path = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (path is null)
        {
            Unavailable = "redis-server is not installed (apt-get install -y redis-server).";
            return;
        }

        int port = FreePort();
        _process = Process.Start(new ProcessStartInfo(path,
            $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode yes --daemonize no --loglevel warning")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Configuration = $"127.0.0.1:{port}";

        var limit = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < limit && !_process.HasExited)
            {
                await Task.Delay(20);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
