using System.Diagnostics.Tracing;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// Whether System.Net.Http's EventSource (the runtime's <c>HttpTelemetry</c>: request start/stop events and the
/// <c>System.Net.Http</c> event counters) has a listener. <see cref="HttpMessageInvoker"/> writes its request events only
/// then, so the forwarder's direct seam to EdgeKit's transport (<see cref="Http1Handler.SendDirectAsync"/>) steps aside
/// for the invoker while it does: a listener sees the same events on either path.
/// </summary>
internal static class HttpClientEvents
{
    private static readonly EventSource? s_source = Find();

    /// <summary>
    /// True while something listens to System.Net.Http's events. False when the source does not exist even after an
    /// invoker has sent (EventSource support trimmed away): the invoker would write nothing either.
    /// </summary>
    public static bool Enabled => s_source is not null && s_source.IsEnabled();

    private static EventSource? Find()
    {
        // The source is created the first time HttpMessageInvoker sends; a request to a handler that answers at once
        // makes sure it exists before it is looked for.
        using (var invoker = new HttpMessageInvoker(new Answering()))
        using (var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"))
        {
            invoker.SendAsync(request, CancellationToken.None).GetAwaiter().GetResult().Dispose();
        }

        foreach (var source in EventSource.GetSources())
        {
            if (source.Name == "System.Net.Http")
            {
                return source;
            }
        }

        return null;
    }

    private sealed class Answering : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage());
    }
}
