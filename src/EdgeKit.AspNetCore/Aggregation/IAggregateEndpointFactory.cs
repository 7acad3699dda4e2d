using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Aggregation;

/// <summary>Creates the request handler that serves an EdgeKit aggregate, for any endpoint (a gateway route, <c>MapGet</c>, ...).</summary>
public interface IAggregateEndpointFactory
{
    /// <summary>
    /// Returns a handler that runs the aggregate named <paramref name="aggregateName"/> for each request: its arguments are
    /// the request's route values, then its query parameters (a route value wins); the request headers the aggregate
    /// forwards go to the legs; the answer is the aggregate's status, headers and JSON (or problem) body, streamed.
    /// The aggregate is looked up per request, so configuration reloads apply; a name that is unknown at that time is
    /// answered 500 with a problem.
    /// </summary>
    /// <param name="aggregateName">The aggregate's name (case-insensitive).</param>
    /// <returns>The request handler.</returns>
    RequestDelegate Create(string aggregateName);
}
