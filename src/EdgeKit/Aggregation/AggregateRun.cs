using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;

namespace EdgeKit.Aggregation;

/// <summary>One execution of an aggregate: the legs' state while they run, handed to the result when they are done.</summary>
internal sealed class AggregateRun
{
    private static readonly Uri s_fallbackBase = new("http://edgekit-aggregate/");

    private readonly Aggregator _aggregator;
    private readonly AggregateRequest _request;
    private readonly LegState[] _legs;
    private readonly CancellationTokenSource _abort = new();
    private readonly ResponseCachePolicy _cachePolicy = new();
    private long _totalBytes;
    private int _failedLeg = -1;

    public AggregateRun(Aggregator aggregator, AggregateRequest request)
    {
        _aggregator = aggregator;
        _request = request;
        _legs = new LegState[aggregator.Legs.Length];
        for (int i = 0; i < _legs.Length; i++)
        {
            _legs[i] = new LegState(aggregator.Legs[i]);
        }
    }

    public async Task<AggregateResult> RunAsync(CancellationToken cancellationToken)
    {
        foreach (var argument in _aggregator.Arguments)
        {
            if (!_request.Arguments.ContainsKey(argument))
            {
                var missing = new AggregateResult(_aggregator, [], 400, null,
                    $"The aggregate '{_aggregator.Name}' needs the argument '{argument}', which the request does not have.", null);
                EdgeKitMetrics.RecordRequest(_aggregator.Name, 400);
                return missing;
            }
        }

        using var activity = EdgeKitTelemetry.ActivitySource.HasListeners()
            ? EdgeKitTelemetry.ActivitySource.StartActivity("edgekit.aggregate", ActivityKind.Internal)
            : null;
        activity?.SetTag(EdgeKitMetrics.AggregateTag, _aggregator.Name);

        var registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        try
        {
            var tasks = new Task[_legs.Length];
            foreach (var leg in _aggregator.Order)
            {
                tasks[leg.Index] = RunLegAsync(leg, tasks);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            registration.Dispose();
            _abort.Dispose();
        }
        if (cancellationToken.IsCancellationRequested)
        {
            DisposeLegs();
            activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
            throw new OperationCanceledException(cancellationToken);
        }

        AggregateResult result;
        if (_failedLeg >= 0)
        {
            var failed = _legs[_failedLeg];
            // The first required failure is the cause: it cancelled the other legs.
            int status = failed.Outcome == AggregateLegOutcome.Timeout ? 504 : 502;
            string detail = failed.TotalExceeded
                ? $"The legs of aggregate '{_aggregator.Name}' together returned more than its bound of {_aggregator.Options.MaxResponseBytes} bytes (crossed by leg '{failed.Leg.Name}')."
                : $"The required leg '{failed.Leg.Name}' of aggregate '{_aggregator.Name}' failed: {failed.Detail}.";
            DisposeLegs();
            result = new AggregateResult(_aggregator, Results(), status, null, detail, failed);
            activity?.SetStatus(ActivityStatusCode.Error, detail);
            EdgeKitLog.AggregateFailed(_aggregator.Logger, _aggregator.Name, status, detail);
        }
        else
        {
            result = new AggregateResult(_aggregator, Results(), 200, _legs, null, null)
            {
                CacheControl = _legs.Any(l => l.Outcome != AggregateLegOutcome.Success) ? "no-store" : _cachePolicy.ToHeaderValue(),
                Vary = _cachePolicy.Vary,
            };
        }

        activity?.SetTag(EdgeKitTags.StatusCode, result.StatusCode);
        EdgeKitMetrics.RecordRequest(_aggregator.Name, result.StatusCode);
        return result;
    }

    private AggregateLegResult[] Results() =>
        _legs.Select(l => new AggregateLegResult(l.Leg.Name, l.Leg.Required, l.Outcome, l.StatusCode, l.Detail)).ToArray();

    private void DisposeLegs()
    {
        foreach (var leg in _legs)
        {
            leg.Dispose();
        }
    }

    private async Task RunLegAsync(CompiledLeg leg, Task[] tasks)
    {
        var state = _legs[leg.Index];
        foreach (int dependency in leg.Dependencies)
        {
            await tasks[dependency].ConfigureAwait(false);
        }

        long start = _aggregator.TimeProvider.GetTimestamp();
        using var activity = EdgeKitTelemetry.ActivitySource.HasListeners()
            ? EdgeKitTelemetry.ActivitySource.StartActivity("edgekit.aggregate.leg", ActivityKind.Internal)
            : null;
        activity?.SetTag(EdgeKitMetrics.AggregateTag, _aggregator.Name);
        activity?.SetTag(EdgeKitMetrics.LegTag, leg.Name);
        CancellationTokenSource? timeout = null;
        CancellationTokenSource? linked = null;
        try
        {
            _abort.Token.ThrowIfCancellationRequested();
            foreach (int dependency in leg.Dependencies)
            {
                if (_legs[dependency].Outcome != AggregateLegOutcome.Success)
                {
                    throw new AggregateLegException(AggregateLegOutcome.DependencyFailed, $"leg '{_legs[dependency].Leg.Name}', which it depends on, failed");
                }
            }

            var token = _abort.Token;
            if (leg.Options.Timeout != Timeout.InfiniteTimeSpan)
            {
                timeout = new CancellationTokenSource(leg.Options.Timeout, _aggregator.TimeProvider);
                linked = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, timeout.Token);
                token = linked.Token;
            }

            if (leg.ForEach is { } forEach)
            {
                await RunFanOutAsync(leg, state, forEach, token).ConfigureAwait(false);
            }
            else
            {
                state.Buffer = await SendAsync(leg, item: null, token).ConfigureAwait(false);
                Parse(leg, state, state.Buffer);
            }

            state.Outcome = AggregateLegOutcome.Success;
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !_abort.IsCancellationRequested)
        {
            state.Fail(AggregateLegOutcome.Timeout, $"it did not complete within its timeout of {Format(leg.Options.Timeout)}");
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            state.Fail(AggregateLegOutcome.Cancelled, "it was cancelled");
        }
        catch (AggregateLegException ex)
        {
            state.Fail(ex.Outcome, ex.Message, ex.StatusCode, ex.InnerException);
        }
        catch (OperationCanceledException ex)
        {
            // Without our tokens: HttpClient.Timeout.
            state.Fail(AggregateLegOutcome.Timeout, "it did not complete within its HttpClient's timeout", error: ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
        {
            // A stable name, never the exception's message (which can carry the backend's address): that goes to the log.
            state.Fail(AggregateLegOutcome.RequestFailed, $"the request failed ({(ex is HttpRequestException or HttpIOException ? RequestErrorTypes.FromException(ex) : RequestErrorTypes.TransportError)})", error: ex);
        }
        finally
        {
            linked?.Dispose();
            timeout?.Dispose();
        }

        Finish(leg, state, start, activity);
    }

    private void Finish(CompiledLeg leg, LegState state, long start, Activity? activity)
    {
        if (state.Outcome != AggregateLegOutcome.Success)
        {
            state.Dispose();
            if (state.Outcome != AggregateLegOutcome.Cancelled)
            {
                AggregationLog.LegFailed(_aggregator.Logger, _aggregator.Name, leg.Name, leg.Required ? "required" : "optional", state.Outcome, state.Detail!, state.Error);
                // Crossing the aggregate's total bound fails it whichever leg crosses it.
                if ((leg.Required || state.TotalExceeded) && Interlocked.CompareExchange(ref _failedLeg, leg.Index, -1) == -1)
                {
                    _abort.Cancel();
                }
            }

            activity?.SetStatus(ActivityStatusCode.Error, state.Detail);
        }

        activity?.SetTag(EdgeKitTags.Outcome, AggregationLog.OutcomeName(state.Outcome));
        AggregationLog.RecordLeg(_aggregator.Name, leg.Name, state.Outcome, _aggregator.TimeProvider.GetElapsedTime(start));
    }

    private async Task RunFanOutAsync(CompiledLeg leg, LegState state, Placeholder forEach, CancellationToken token)
    {
        var source = _legs[forEach.LegIndex].Document!.RootElement;
        if (!forEach.TryFind(source, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new AggregateLegException(AggregateLegOutcome.DependencyFailed, $"ForEach '{forEach.Text}' is not an array in the response of leg '{_legs[forEach.LegIndex].Leg.Name}'");
        }

        int count = array.GetArrayLength();
        var buffers = new LegBuffer?[count];
        state.Items = buffers;
        int next = -1;
        Exception? firstFailure = null;
        using var fanOut = CancellationTokenSource.CreateLinkedTokenSource(token);
        var workers = new Task[Math.Min(count, leg.Options.MaxConcurrency)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Worker();
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        if (firstFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstFailure);
        }

        // Each worker takes the next element until none is left, so at most MaxConcurrency requests are in flight.
        async Task Worker()
        {
            await Task.Yield();
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    var buffer = await SendAsync(leg, array[index], fanOut.Token).ConfigureAwait(false);
                    buffers[index] = buffer;
                    Parse(leg, state, buffer);
                }
                catch (Exception ex)
                {
                    // The first failure fails the leg; the others stop. Cancellations it causes are not the cause.
                    Interlocked.CompareExchange(ref firstFailure, ex, null);
                    fanOut.Cancel();
                    return;
                }
            }
        }
    }

    /// <summary>Checks a response is JSON (keeping a document when other legs need its values).</summary>
    private static void Parse(CompiledLeg leg, LegState state, LegBuffer buffer)
    {
        if (buffer.Length == 0)
        {
            if (leg.Options.Output == AggregateLegOutput.Merge || leg.NeedsDocument)
            {
                throw new AggregateLegException(AggregateLegOutcome.InvalidJson, $"the response of leg '{leg.Name}' is empty");
            }

            return; // written as null
        }

        if (leg.NeedsDocument)
        {
            try
            {
                state.Document = JsonDocument.Parse(buffer.Memory);
            }
            catch (JsonException ex)
            {
                throw new AggregateLegException(AggregateLegOutcome.InvalidJson, $"the response of leg '{leg.Name}' is not valid JSON", inner: ex);
            }

            if (leg.Options.Output == AggregateLegOutput.Merge && state.Document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AggregateLegException(AggregateLegOutcome.InvalidJson, $"the response of leg '{leg.Name}' is merged but is not a JSON object");
            }
        }
        else if (!AggregateCompiler.IsJson(buffer.Span, leg.Options.Output == AggregateLegOutput.Merge))
        {
            throw new AggregateLegException(AggregateLegOutcome.InvalidJson, leg.Options.Output == AggregateLegOutput.Merge
                ? $"the response of leg '{leg.Name}' is merged but is not a JSON object"
                : $"the response of leg '{leg.Name}' is not valid JSON");
        }
    }

    private async Task<LegBuffer> SendAsync(CompiledLeg leg, JsonElement? item, CancellationToken token)
    {
        var client = _aggregator.GetClient(leg);
        string path = leg.Path.Render(Resolver(item));
        var baseAddress = client.BaseAddress ?? BaseFor(leg);
        // Relative to the base address and its path; "./" keeps a first segment with a colon from reading as a scheme.
        using var message = new HttpRequestMessage(leg.Method, new Uri(baseAddress, "./" + path.AsSpan(1).ToString()));
        foreach (var name in leg.ForwardedHeaders)
        {
            if (_request.Headers.TryGetValue(name, out var values))
            {
                message.Headers.TryAddWithoutValidation(name, values);
            }
        }

        foreach (var (name, template) in leg.Headers)
        {
            message.Headers.Remove(name);
            message.Headers.TryAddWithoutValidation(name, template.Render(Resolver(item)));
        }

        if (leg.Body is not null)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(leg.Body.Render(Resolver(item))));
            content.Headers.TryAddWithoutValidation("Content-Type", leg.BodyContentType);
            message.Content = content;
        }

        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status is < 200 or > 299)
        {
            throw new AggregateLegException(AggregateLegOutcome.BadStatus, $"the backend answered {status}", status);
        }

        _cachePolicy.Add(response.Headers.CacheControl, response.Headers.Vary);
        long? length = response.Content.Headers.ContentLength;
        int max = leg.Options.MaxResponseBytes;
        if (length > max)
        {
            throw new AggregateLegException(AggregateLegOutcome.TooLarge, $"the response of leg '{leg.Name}' is larger than its bound of {max} bytes (Content-Length {length})");
        }

        var buffer = new LegBuffer();
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await buffer.ReadAsync(stream, max, length, leg.Name, CountTotal, token).ConfigureAwait(false);
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        void CountTotal(int read)
        {
            if (Interlocked.Add(ref _totalBytes, read) > _aggregator.Options.MaxResponseBytes)
            {
                _legs[leg.Index].TotalExceeded = true;
                throw new AggregateLegException(AggregateLegOutcome.TooLarge, $"the legs together returned more than the aggregate's bound of {_aggregator.Options.MaxResponseBytes} bytes");
            }
        }
    }

    private static Uri BaseFor(CompiledLeg leg)
    {
        string name = leg.Options.Client ?? leg.Options.Cluster!;
        return Uri.CheckHostName(name) == UriHostNameType.Dns ? new Uri("http://" + name + "/") : s_fallbackBase;
    }

    private ValueResolver Resolver(JsonElement? item) => (placeholder, context) =>
    {
        switch (placeholder.Kind)
        {
            case PlaceholderKind.Argument:
                return AggregateTemplate.Format(_request.Arguments[placeholder.Text], context);
            case PlaceholderKind.Item:
                if (item is { } element && placeholder.TryFind(element, out var itemValue))
                {
                    return AggregateTemplate.Format(itemValue, context, placeholder);
                }

                throw new AggregateLegException(AggregateLegOutcome.DependencyFailed, $"the fan-out element has no value at {{{placeholder.Text}}}");
            default:
                var source = _legs[placeholder.LegIndex];
                if (placeholder.TryFind(source.Document!.RootElement, out var value))
                {
                    return AggregateTemplate.Format(value, context, placeholder);
                }

                throw new AggregateLegException(AggregateLegOutcome.DependencyFailed, $"the response of leg '{source.Leg.Name}' has no value at {{{placeholder.Text}}}");
        }
    };

    private static string Format(TimeSpan timeout) =>
        timeout.TotalSeconds >= 1 && timeout.Milliseconds == 0 ? $"{timeout.TotalSeconds:0} s" : $"{timeout.TotalMilliseconds:0} ms";
}
