using System.Text.Json;
using EdgeKit.Configuration;

namespace EdgeKit.Aggregation;

/// <summary>A validated leg, its templates parsed once: what the aggregator reads for every request.</summary>
internal sealed class CompiledLeg
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    public required AggregateLegOptions Options { get; init; }

    public required HttpMethod Method { get; init; }

    public required AggregateTemplate Path { get; init; }

    public required AggregateTemplate? Body { get; init; }

    public required string BodyContentType { get; init; }

    public required KeyValuePair<string, AggregateTemplate>[] Headers { get; init; }

    public required string[] ForwardedHeaders { get; init; }

    /// <summary>The arguments the leg's templates need.</summary>
    public required string[] Arguments { get; init; }

    /// <summary>The indexes of the legs whose responses this leg needs.</summary>
    public required int[] Dependencies { get; init; }

    public required Placeholder? ForEach { get; init; }

    public required byte[]? DefaultJson { get; init; }

    public required JsonEncodedText PropertyName { get; init; }

    /// <summary>Whether another leg reads values from this one's response, which is then parsed into a document.</summary>
    public bool NeedsDocument { get; set; }

    public bool Required => Options.Required;
}
