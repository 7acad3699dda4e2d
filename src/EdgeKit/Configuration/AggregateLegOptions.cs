namespace EdgeKit.Configuration;

/// <summary>
/// One backend call of an aggregate: which cluster (or named <see cref="HttpClient"/>) it goes to, the request it sends,
/// its timeout and size bound, and whether the aggregate can do without it.
/// </summary>
/// <remarks>
/// <para><b>Templates.</b> <see cref="Path"/>, <see cref="Body"/> and the values of <see cref="Headers"/> may hold
/// placeholders <c>{name}</c>, where <c>name</c> is letters, digits, <c>_</c>, <c>-</c> and <c>.</c>:</para>
/// <list type="bullet">
/// <item><c>{leg.a.b.0}</c>, whose first segment names another leg: the value at that path in that leg's JSON response
/// (property names, case-sensitive, and array indexes, separated by dots). The leg then runs after that one.</item>
/// <item><c>{item}</c> or <c>{item.a.b}</c> in a leg with <see cref="ForEach"/>: the current array element, or a value in it.</item>
/// <item><c>{id}</c> (no dot): an argument of the request (at the gateway: a route value, else a query parameter).</item>
/// </list>
/// <para>In <see cref="Path"/> and headers a string is inserted without its quotes (URI-escaped in the path), a number or
/// <c>true</c>/<c>false</c> as written; in <see cref="Body"/> every value is inserted as JSON (strings keep their quotes,
/// objects and arrays whole). A missing or <c>null</c> value, or an object or array in a path, fails the leg.</para>
/// </remarks>
public sealed class AggregateLegOptions
{
    /// <summary>The default <see cref="Timeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="MaxResponseBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxResponseBytes = 1024 * 1024;

    /// <summary>The default <see cref="MaxConcurrency"/>: 4.</summary>
    public const int DefaultMaxConcurrency = 4;

    /// <summary>The largest <see cref="MaxConcurrency"/> allowed: 64.</summary>
    public const int MaxAllowedConcurrency = 64;

    /// <summary>
    /// The leg's name: the property it is written under and how other legs refer to its values. Letters, digits,
    /// <c>_</c> and <c>-</c>; unique in the aggregate (case-insensitive); not <c>item</c>. Required.
    /// </summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// The EdgeKit cluster the leg is sent to, through its balancer (and resilience, when the cluster's aggregation client
    /// has it). Exactly one of <see cref="Cluster"/> and <see cref="Client"/> is set.
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>
    /// The named <see cref="HttpClient"/> the leg is sent with, configured by the application (its base address, handlers).
    /// Exactly one of <see cref="Cluster"/> and <see cref="Client"/> is set.
    /// </summary>
    public string? Client { get; set; }

    /// <summary>The request method, any token (<c>GET</c>, <c>POST</c>, <c>PATCH</c>, ...). Default <c>GET</c>.</summary>
    public string Method { get; set; } = "GET";

    /// <summary>The path and query template, starting with <c>/</c>, e.g. <c>/customers/{order.customerId}?expand=1</c>. Required.</summary>
    public string Path { get; set; } = "";

    /// <summary>A request body template, sent as <see cref="BodyContentType"/>; default none.</summary>
    public string? Body { get; set; }

    /// <summary>The media type of <see cref="Body"/>. Default <c>application/json</c>.</summary>
    public string BodyContentType { get; set; } = "application/json";

    /// <summary>Request headers set on the leg (after the forwarded ones, which they replace); values are templates.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The request headers of the incoming request copied to this leg; <see langword="null"/> (the default) uses the
    /// aggregate's <see cref="AggregateOptions.ForwardedRequestHeaders"/>. An empty list forwards none (for example a
    /// leg to a third party, which must not see the caller's credentials).
    /// </summary>
    public List<string>? ForwardedRequestHeaders { get; set; }

    /// <summary>
    /// The longest the leg may take, from sending its (first) request to reading the whole of its (last) response.
    /// Default 10 s; at least 1 ms and at most 24 h, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// Whether the aggregate fails when this leg fails (<see langword="true"/>, the default: 502, or 504 on a timeout), or
    /// answers without it, listing it as missing.
    /// </summary>
    public bool Required { get; set; } = true;

    /// <summary>
    /// For an optional leg: the JSON written in its place when it fails (for example <c>[]</c>); it is still listed as missing.
    /// Default none: the leg's property is left out.
    /// </summary>
    public string? Default { get; set; }

    /// <summary>
    /// The largest response body the leg reads, in bytes (each response, when the leg fans out). A larger one fails the
    /// leg without being read further. Default 1 MiB.
    /// </summary>
    public int MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>
    /// Fan-out: a path to a JSON array in another leg's response (e.g. <c>order.items</c>); the leg is sent once per
    /// element, <c>{item...}</c> naming the element, and its output is the array of the responses, in the elements' order.
    /// Default none.
    /// </summary>
    public string? ForEach { get; set; }

    /// <summary>With <see cref="ForEach"/>: how many of the leg's requests may be in flight at once. Default 4; from 1 to 64.</summary>
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>Where the leg's JSON goes in the response. Default <see cref="AggregateLegOutput.Property"/>.</summary>
    public AggregateLegOutput Output { get; set; } = AggregateLegOutput.Property;

    /// <summary>The property name the leg is written under with <see cref="AggregateLegOutput.Property"/>. Default the leg's <see cref="Name"/>.</summary>
    public string? Property { get; set; }
}
