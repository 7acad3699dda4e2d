using System.Collections.Concurrent;
using System.Net;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// The innermost handler of a test pipeline: never touches the network. It records every request it is given
/// (its host, method and identity) and answers as <see cref="Respond"/> says.
/// </summary>
internal sealed class FakeTerminalHandler : HttpMessageHandler
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<SentRequest> _sent = new();
    private readonly SemaphoreSlim _arrivals = new(0);
    private int _waitedFor;

    /// <summary>How to answer; by default 200 OK.</summary>
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Respond { get; set; } =
        (request, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<SentRequest> Sent => [.. _sent];

    /// <summary>The hosts the requests went to, in order (10.0.0.1 is d0, 10.0.0.2 is d1, ...).</summary>
    public IReadOnlyList<string> Hosts => [.. _sent.Select(s => s.Host)];

    /// <summary>The destination ids the requests went to, in order.</summary>
    public IReadOnlyList<string> Destinations => [.. _sent.Select(s => "d" + (int.Parse(s.Host.Split('.')[3], System.Globalization.CultureInfo.InvariantCulture) - 1))];

    /// <summary>Waits (without polling) until <paramref name="count"/> more requests have arrived than earlier calls waited for.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!await _arrivals.WaitAsync(WaitLimit))
            {
                throw new TimeoutException($"Only {i} of {count} expected requests arrived ({_sent.Count} in all, {_waitedFor} waited for before).");
            }
        }

        _waitedFor += count;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _sent.Enqueue(new SentRequest(request, request.RequestUri!.Host, request.Method));
        _arrivals.Release();
        return Respond(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    /// <summary>An answer with <paramref name="status"/>.</summary>
    public static Task<HttpResponseMessage> Answer(HttpRequestMessage request, HttpStatusCode status) =>
        Task.FromResult(new HttpResponseMessage(status) { RequestMessage = request });

    /// <summary>No answer until <paramref name="cancellationToken"/> is cancelled, then a cancellation, as from a socket.</summary>
    public static async Task<HttpResponseMessage> Hang(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}

/// <summary>One request a <see cref="FakeTerminalHandler"/> received.</summary>
internal sealed record SentRequest(HttpRequestMessage Request, string Host, HttpMethod Method);
