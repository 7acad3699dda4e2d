using System.Globalization;
using EdgeKit.Aggregation;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Aggregation;

/// <summary>Serves aggregates of an <see cref="AggregatorRegistry"/> over HTTP.</summary>
internal sealed class AggregateEndpointFactory(AggregatorRegistry registry) : IAggregateEndpointFactory
{
    public RequestDelegate Create(string aggregateName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(aggregateName);
        return context => InvokeAsync(context, aggregateName);
    }

    private async Task InvokeAsync(HttpContext context, string aggregateName)
    {
        if (!registry.TryGetAggregator(aggregateName, out var aggregator))
        {
            await Results.Problem(
                detail: $"No EdgeKit aggregate is named '{aggregateName}'.",
                statusCode: StatusCodes.Status500InternalServerError,
                title: "Aggregate not configured").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var request = CreateRequest(context, aggregator);
        var aborted = context.RequestAborted;
        AggregateResult result;
        try
        {
            result = await aggregator.ExecuteAsync(request, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return; // the client went away: nobody to answer
        }

        using (result)
        {
            var response = context.Response;
            response.StatusCode = result.StatusCode;
            response.ContentType = result.ContentType;
            foreach (var (name, value) in result.Headers)
            {
                response.Headers[name] = value;
            }

            try
            {
                await result.WriteToAsync(response.BodyWriter, aborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Route values, then query parameters (first value), as arguments; only the headers some leg forwards.</summary>
    internal static AggregateRequest CreateRequest(HttpContext context, Aggregator aggregator)
    {
        var request = new AggregateRequest();
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is not null)
            {
                request.Arguments[name] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            }
        }

        foreach (var (name, values) in context.Request.Query)
        {
            if (values.Count > 0)
            {
                request.Arguments.TryAdd(name, values[0] ?? "");
            }
        }

        var headers = context.Request.Headers;
        var names = aggregator.ForwardedHeaderNames;
        for (int i = 0; i < names.Count; i++)
        {
            string name = names[i];
            if (headers.TryGetValue(name, out var values) && values.Count > 0)
            {
                request.Headers[name] = values.ToArray()!;
            }
        }

        return request;
    }
}
