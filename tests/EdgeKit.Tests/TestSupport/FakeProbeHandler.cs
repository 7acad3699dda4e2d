using System.Collections.Concurrent;
using System.Net;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// Stands in for the network under the active health prober: answers each request as <see cref="Respond"/> says
/// (by default 200), records what it received, and counts how many requests are in flight at once.
/// </summary>
internal sealed class FakeProbeHandler : HttpMessageHandler
{
    /// <summary>How long <see cref="WaitForArrivalsAsync"/> waits before failing the test instead of hanging it.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    private readonly ConcurrentQueue<ReceivedProbe> _received = new();
    private readonly SemaphoreSlim _arrivals = new(0);
    private TaskCompletionSource _release = NewRelease();
    private int _inFlight;
    private int _maxInFlight;
    private int _cancelled;
    private int _disposed;

    /// <summary>Answers a request; may await the token (for example to hang until the probe times out).</summary>
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Respond { get; set; } = Answer(HttpStatusCode.OK);

    /// <summary>What was received, in order of arrival.</summary>
    public IReadOnlyList<ReceivedProbe> Received => [.. _received];

    /// <summary>The absolute URIs received, in order of arrival.</summary>
    public IReadOnlyList<string> Uris => [.. _received.Select(r => r.Uri)];

    /// <summary>Requests being answered now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests ever in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Requests whose token was cancelled while they were being answered.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>Whether the handler was disposed (its invoker released it).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Answers every request with <paramref name="status"/>.</summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Answer(HttpStatusCode status) =>
        (_, _) => Task.FromResult(new HttpResponseMessage(status));

    /// <summary>Answers each request with the status <paramref name="statusByHost"/> gives its host.</summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> AnswerByHost(Func<string, HttpStatusCode> statusByHost) =>
        (request, _) => Task.FromResult(new HttpResponseMessage(statusByHost(request.RequestUri!.Host)));

    /// <summary>Never answers: waits until the request's token is cancelled.</summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Hang() =>
        async (_, token) =>
        {
            var never = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = token.Register(() => never.TrySetCanceled(token));
            return await never.Task;
        };

    /// <summary>Holds every request until <see cref="ReleaseHeld"/>, then answers 200.</summary>
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Hold() =>
        async (_, token) =>
        {
            await Volatile.Read(ref _release).Task.WaitAsync(token);
            return new HttpResponseMessage(HttpStatusCode.OK);
        };

    /// <summary>Lets the requests held by <see cref="Hold"/> complete; later ones are held again.</summary>
    public void ReleaseHeld() => Interlocked.Exchange(ref _release, NewRelease()).TrySetResult();

    /// <summary>
    /// Waits until <paramref name="count"/> more requests have arrived than every earlier call waited for.
    /// Fails after <see cref="WaitLimit"/> rather than hanging.
    /// </summary>
    public async Task WaitForArrivalsAsync(int count)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        for (int i = 0; i < count; i++)
        {
            try
            {
                await _arrivals.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Only {i} of {count} expected probes arrived within {WaitLimit.TotalSeconds} s.");
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _received.Enqueue(new ReceivedProbe(
            request.Method.Method,
            request.RequestUri!.AbsoluteUri,
            string.Join(" ", request.Headers.TryGetValues("User-Agent", out var agents) ? agents : []),
            cancellationToken));
        int inFlight = Interlocked.Increment(ref _inFlight);
        int max;
        while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
        }

        // Read the response task before signalling the arrival, so that a test releasing held requests once
        // they have arrived releases this one too.
        Task<HttpResponseMessage> response;
        try
        {
            response = Respond(request, cancellationToken);
        }
        catch (Exception ex)
        {
            response = Task.FromException<HttpResponseMessage>(ex);
        }

        _arrivals.Release();
        try
        {
            return await response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    protected override void Dispose(bool disposing)
    {
        Interlocked.Exchange(ref _disposed, 1);
        base.Dispose(disposing);
    }

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One request seen by a <see cref="FakeProbeHandler"/>.</summary>
internal sealed record ReceivedProbe(string Method, string Uri, string UserAgent, CancellationToken Token);
