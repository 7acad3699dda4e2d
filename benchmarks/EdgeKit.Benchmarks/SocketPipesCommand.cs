using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Transport;

namespace EdgeKit.Benchmarks;

/// <summary>
/// <c>socket-pipes [blocks]</c>: the CPU a backend connection's I/O layer costs per exchange, with nothing else around it.
/// Two loopback connections, each answered by a blocking peer thread (256 bytes in, 128 out): one read and written through
/// stream pipes over a <see cref="NetworkStream"/> (the transport's TLS path, and its cleartext path before issue 20),
/// one through <see cref="SocketPipeReader"/>/<see cref="SocketPipeWriter"/>. Blocks of 2,000 exchanges alternate between
/// the two (the order swapped every block), so a busy machine's drift falls on both alike; prints the median process CPU
/// (user + system, and user alone; peer threads included, which are the same for both) and allocated bytes per exchange.
/// </summary>
internal static class SocketPipesCommand
{
    private const int RequestSize = 256;
    private const int ResponseSize = 128;
    private const int PerBlock = 2000;

    public static int Run(string[] args)
    {
        int blocks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        using var streamPair = Connect();
        using var socketPair = Connect();
        var stream = new NetworkStream(streamPair.Local, ownsSocket: false);
        var variants = new (string Name, PipeReader Reader, PipeWriter Writer, List<double> Cpu, List<double> User, List<double> Bytes)[]
        {
            ("stream pipes over NetworkStream", PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true)),
                PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true)), [], [], []),
            ("SocketPipeReader/SocketPipeWriter", new SocketPipeReader(socketPair.Local), new SocketPipeWriter(socketPair.Local), [], [], []),
        };

        foreach (var variant in variants)
        {
            Exchanges(variant.Reader, variant.Writer, PerBlock);
        }

        for (int block = 0; block < blocks; block++)
        {
            for (int i = 0; i < variants.Length; i++)
            {
                var variant = variants[(block + i) % variants.Length];
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                var cpu = Environment.CpuUsage;
                Exchanges(variant.Reader, variant.Writer, PerBlock);
                var after = Environment.CpuUsage;
                variant.Cpu.Add((after.TotalTime - cpu.TotalTime).TotalMicroseconds / PerBlock);
                variant.User.Add((after.UserTime - cpu.UserTime).TotalMicroseconds / PerBlock);
                variant.Bytes.Add((double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / PerBlock);
            }
        }

        // Each block's two measurements ran back to back: their ratio is the least disturbed by the machine's drift.
        var paired = variants[1].Cpu.Zip(variants[0].Cpu, (socket, streamPipes) => socket / streamPipes).ToList();
        var pairedUser = variants[1].User.Zip(variants[0].User, (socket, streamPipes) => socket / streamPipes).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"socket pipes ÷ stream pipes, block by block: CPU median {Median(paired):F3} (quartiles {Quantile(paired, 0.25):F3}–{Quantile(paired, 0.75):F3}), user CPU median {Median(pairedUser):F3} (quartiles {Quantile(pairedUser, 0.25):F3}–{Quantile(pairedUser, 0.75):F3})"));
        double baseline = Median(variants[0].Cpu);
        foreach (var (name, _, _, cpu, user, bytes) in variants)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {Median(cpu):F1} µs CPU/exchange, {Median(user):F1} µs of it user (medians of {cpu.Count} blocks; CPU quartiles {Quantile(cpu, 0.25):F1}–{Quantile(cpu, 0.75):F1}), ÷ stream pipes {Median(cpu) / baseline:F3}, {Median(bytes):F1} B/exchange"));
        }

        return 0;
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Round(q * (sorted.Length - 1))];
    }

    private static void Exchanges(PipeReader reader, PipeWriter writer, int count) => ExchangesAsync(reader, writer, count).GetAwaiter().GetResult();

    private static async Task ExchangesAsync(PipeReader reader, PipeWriter writer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            writer.GetSpan(RequestSize)[..RequestSize].Fill((byte)'q');
            writer.Advance(RequestSize);
            await writer.FlushAsync().ConfigureAwait(false);
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.Buffer.Length >= ResponseSize)
                {
                    reader.AdvanceTo(result.Buffer.GetPosition(ResponseSize));
                    break;
                }

                if (result.IsCompleted)
                {
                    throw new InvalidOperationException("The peer closed the connection.");
                }

                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
    }

    private static Pair Connect()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        local.Connect(listener.LocalEndPoint!);
        var peer = listener.Accept();
        peer.NoDelay = true;
        var thread = new Thread(() => Answer(peer)) { IsBackground = true, Name = "socket-pipes peer" };
        thread.Start();
        return new Pair(local, peer);
    }

    /// <summary>Reads each 256-byte request and answers 128 bytes, on a blocking thread, until the connection closes.</summary>
    private static void Answer(Socket peer)
    {
        var request = new byte[RequestSize];
        var response = new byte[ResponseSize];
        try
        {
            while (true)
            {
                int read = 0;
                while (read < RequestSize)
                {
                    int n = peer.Receive(request, read, RequestSize - read, SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }

                    read += n;
                }

                peer.Send(response);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private sealed class Pair(Socket local, Socket peer) : IDisposable
    {
        public Socket Local => local;

        public void Dispose()
        {
            local.Dispose();
            peer.Dispose();
        }
    }
}
