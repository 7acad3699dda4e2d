using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace EdgeKit.Redis.Tests.TestSupport;

/// <summary>
/// A real redis-server on 127.0.0.1 and a free port, started as a child process (no persistence, not daemonized) and
/// stopped by its PID. Tests can stop, restart, pause and resume it. Needs the redis-server binary (Debian's redis-server package).
/// </summary>
public sealed class RedisServer : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private RedisServer(int port)
    {
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration for this server, reconnecting quickly (tests restart it).</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    public int ProcessId => _process?.Id ?? 0;

    public static RedisServer Start()
    {
        Exception? last = null;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var server = new RedisServer(FreePort());
            try
            {
                server.StartProcess();
                return server;
            }
            catch (Exception exception) when (exception is not FileNotFoundException)
            {
                last = exception;
                server.Dispose();
            }
        }

        throw new InvalidOperationException("redis-server did not start on a free port.", last);
    }

    /// <summary>A new connection with its own multiplexer, as a separate gateway instance would have.</summary>
    public ConnectionMultiplexer Connect()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        options.ReconnectRetryPolicy = new LinearRetry(100);
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>A connection allowed admin commands (INFO, CONFIG, SCRIPT FLUSH), for assertions.</summary>
    public IServer Admin
    {
        get
        {
            _admin ??= ConnectionMultiplexer.Connect(Configuration + ",allowAdmin=true");
            return _admin.GetServer("127.0.0.1", Port);
        }
    }

    public IDatabase AdminDatabase
    {
        get
        {
            _ = Admin;
            return _admin!.GetDatabase();
        }
    }

    /// <summary>Calls of a command since the last <see cref="ResetStats"/>, from INFO commandstats (e.g. "evalsha", "script|load").</summary>
    public long Calls(string command)
    {
        var info = Admin.InfoRaw("commandstats") ?? "";
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal))
            {
                var calls = line.Split(':', 2)[1].Split(',')[0];
                return long.Parse(calls.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public void ResetStats() => Admin.ConfigResetStatistics();

    /// <summary>Kills the server (SIGKILL by PID), as a crash would.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port, empty (no persistence).</summary>
    public void Restart()
    {
        Stop();
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                StartProcess();
                return;
            }
            catch (InvalidOperationException) when (started.Elapsed < s_startTimeout)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but nothing answers, as a hung Redis.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            Resume();
        }

        _admin?.Dispose();
        _admin = null;
        Stop();
    }

    private void Signal(string signal)
    {
        if (_process is { HasExited: false } process)
        {
            using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit(10_000);
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -{signal} {process.Id} failed with exit code {kill.ExitCode}.");
            }
        }
    }

    private void StartProcess()
    {
        string binary = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes" })
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new FileNotFoundException("redis-server was not found: install it (apt-get install -y redis-server).", exception);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var starting = Stopwatch.StartNew();
        while (!Ping())
        {
            if (process.HasExited || starting.Elapsed > s_startTimeout)
            {
                Stop();
                throw new InvalidOperationException($"redis-server on port {Port} did not become ready.");
            }

            Thread.Sleep(20);
        }
    }

    private bool Ping()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, Port);
            socket.ReceiveTimeout = 1000;
            socket.Send("PING\r\n"u8);
            var buffer = new byte[16];
            int read = socket.Receive(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
