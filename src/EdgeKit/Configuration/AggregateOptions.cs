namespace EdgeKit.Configuration;

/// <summary>
/// An aggregate: several backend calls (legs) made for one client request, in parallel where no leg needs another's
/// response, their JSON combined into one object. Bound from <c>EdgeKit:Aggregates:&lt;name&gt;</c> or built in code.
/// </summary>
/// <remarks>See docs/aggregation.md for the status rule and how headers combine.</remarks>
public sealed class AggregateOptions
{
    /// <summary>The default <see cref="MaxResponseBytes"/>: 4 MiB.</summary>
    public const int DefaultMaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>The default <see cref="MissingProperty"/>: <c>_missing</c>.</summary>
    public const string DefaultMissingProperty = "_missing";

    /// <summary>The response header listing the legs that are missing from a successful aggregate: <c>EdgeKit-Missing-Legs</c>.</summary>
    public const string MissingLegsHeader = "EdgeKit-Missing-Legs";

    /// <summary>The default <see cref="ForwardedRequestHeaders"/>: the caller's credentials and preferences.</summary>
    public static IReadOnlyList<string> DefaultForwardedRequestHeaders { get; } =
        ["Authorization", "Cookie", "Accept-Language", "X-Request-Id", "X-Correlation-Id"];

    /// <summary>The legs, in the order they are written to the response. At least one.</summary>
    public List<AggregateLegOptions> Legs { get; set; } = [];

    /// <summary>
    /// The incoming request headers copied to every leg (unless a leg sets its own list). Default
    /// <see cref="DefaultForwardedRequestHeaders"/>: <c>Authorization</c> and <c>Cookie</c> (the legs are the caller's
    /// backends, so they see the caller's credentials), <c>Accept-Language</c>, <c>X-Request-Id</c>, <c>X-Correlation-Id</c>.
    /// Trace context (<c>traceparent</c>) flows through <see cref="HttpClient"/>'s own propagation, not this list.
    /// Hop-by-hop headers and <c>Host</c> cannot be forwarded. <see langword="null"/> means the default.
    /// </summary>
    public List<string>? ForwardedRequestHeaders { get; set; }

    /// <summary>
    /// The largest total of all legs' response bodies, in bytes; crossing it fails the aggregate (502) without reading
    /// further. Default 4 MiB.
    /// </summary>
    public int MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>The property listing missing optional legs, written only when one is missing. Default <c>_missing</c>.</summary>
    public string MissingProperty { get; set; } = DefaultMissingProperty;

    /// <summary>Adds a leg; returns this for chaining.</summary>
    /// <param name="name">The leg's name.</param>
    /// <param name="configure">Sets the leg's cluster or client, path and policy.</param>
    /// <returns>These options.</returns>
    public AggregateOptions AddLeg(string name, Action<AggregateLegOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var leg = new AggregateLegOptions { Name = name };
        configure(leg);
        Legs.Add(leg);
        return this;
    }
}
