using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.Aggregation;

/// <summary>
/// Runs an aggregate: sends its legs (in parallel where none needs another's response), reads each response into a
/// bounded buffer, and returns an <see cref="AggregateResult"/> that writes the combined JSON (or a problem) to a stream.
/// Safe for concurrent use; build it once per aggregate.
/// </summary>
/// <remarks>
/// Usable without DI: give it the <see cref="HttpClient"/> for each leg. With DI, <c>AddAggregate</c> builds aggregators
/// whose cluster legs go through EdgeKit's balancing (see <see cref="AggregateHttpClientNames"/>).
/// </remarks>
public sealed class Aggregator
{
    private readonly Func<AggregateLegOptions, HttpClient> _clients;
    private readonly string[] _forwardedHeaderNames;

    /// <summary>Creates an aggregator from options, which are validated and copied.</summary>
    /// <param name="name">The aggregate's name, used in problems, logs and metrics.</param>
    /// <param name="options">The aggregate's legs and bounds.</param>
    /// <param name="clients">
    /// Returns the client a leg is sent with (called per leg and request; return long-lived clients or ones from
    /// <c>IHttpClientFactory</c>). A leg's path is relative to the client's <see cref="HttpClient.BaseAddress"/>; with
    /// none, it goes to <c>http://&lt;cluster or client name&gt;/</c>, which EdgeKit's balancing handler rewrites.
    /// </param>
    /// <param name="timeProvider">The clock of the legs' timeouts. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where leg failures are logged. Default none.</param>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="EdgeKitConfigurationException">The options are invalid; <see cref="EdgeKitConfigurationException.Errors"/> lists every problem.</exception>
    public Aggregator(string name, AggregateOptions options, Func<AggregateLegOptions, HttpClient> clients, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clients);
        var copy = options.Clone();
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("An aggregate has an empty name.");
        }

        var order = AggregateCompiler.Compile(copy, $"Aggregate '{name}'", errors);
        if (order is null || errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(errors);
        }

        Name = name;
        Options = copy;
        _clients = clients;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
        Order = order;
        Legs = [.. order.OrderBy(l => l.Index)];
        Arguments = Legs.SelectMany(l => l.Arguments).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        _forwardedHeaderNames = Legs.SelectMany(l => l.ForwardedHeaders).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Creates an aggregator whose legs use the clients of a dictionary, by the leg's cluster or client name.</summary>
    /// <param name="name">The aggregate's name.</param>
    /// <param name="options">The aggregate's legs and bounds.</param>
    /// <param name="clients">The clients, by cluster or client name (case-insensitive lookups need a case-insensitive dictionary).</param>
    /// <param name="timeProvider">The clock of the legs' timeouts. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where leg failures are logged. Default none.</param>
    /// <exception cref="EdgeKitConfigurationException">The options are invalid, or a leg names a client the dictionary lacks.</exception>
    public Aggregator(string name, AggregateOptions options, IReadOnlyDictionary<string, HttpClient> clients, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(name, options, ClientsFrom(clients), timeProvider, logger)
    {
        var missing = Legs.Select(l => l.Options.Client ?? l.Options.Cluster!).Where(n => !clients.ContainsKey(n)).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new EdgeKitConfigurationException(missing.Select(n => $"Aggregate '{name}': no HttpClient was given for '{n}'.").ToList());
        }
    }

    /// <summary>The aggregate's name.</summary>
    public string Name { get; }

    internal AggregateOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    /// <summary>The legs in declaration order (the order they are written).</summary>
    internal CompiledLeg[] Legs { get; }

    /// <summary>The legs ordered so that each comes after those it depends on.</summary>
    internal CompiledLeg[] Order { get; }

    /// <summary>
    /// Every request header some leg forwards (<see cref="AggregateLegOptions.ForwardedRequestHeaders"/>, or the aggregate's
    /// <see cref="AggregateOptions.ForwardedRequestHeaders"/>), each once: the only
    /// headers a host needs to copy from its incoming request into an <see cref="AggregateRequest"/>.
    /// </summary>
    public IReadOnlyList<string> ForwardedHeaderNames => _forwardedHeaderNames;

    /// <summary>Every argument some leg needs.</summary>
    internal string[] Arguments { get; }

    /// <summary>
    /// Runs the aggregate. Never throws for a leg's failure: the result carries the status (200, 400 for a missing
    /// argument, 502 or 504) and the body to write. Dispose the result once written.
    /// </summary>
    /// <param name="request">Arguments and the caller's headers.</param>
    /// <param name="cancellationToken">Stops every leg (the caller went away).</param>
    /// <returns>The result, to write to the response.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<AggregateResult> ExecuteAsync(AggregateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new AggregateRun(this, request).RunAsync(cancellationToken);
    }

    internal HttpClient GetClient(CompiledLeg leg) => _clients(leg.Options);

    private static Func<AggregateLegOptions, HttpClient> ClientsFrom(IReadOnlyDictionary<string, HttpClient> clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return leg => clients[leg.Client ?? leg.Cluster!];
    }
}
