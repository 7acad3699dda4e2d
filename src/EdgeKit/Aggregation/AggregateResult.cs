using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using EdgeKit.Configuration;

namespace EdgeKit.Aggregation;

/// <summary>
/// The outcome of one execution of an aggregate: the status, the headers and the body to send, written by
/// <see cref="WriteToAsync(PipeWriter, CancellationToken)"/> straight from the legs' buffers. Dispose it once written:
/// it holds pooled buffers.
/// </summary>
/// <remarks>
/// <para><b>Status.</b> 200 when every required leg succeeded (whatever the legs' own 2xx statuses); 400 when the request
/// lacks an argument a leg needs; 504 when the first required leg to fail timed out; otherwise 502 (a required
/// leg answered a non-2xx status, sent no JSON, was too large, could not be sent, or the legs crossed the total bound).
/// A failure's body is <c>application/problem+json</c> naming the aggregate and the leg.</para>
/// <para><b>Body.</b> One JSON object: each leg under its property (or merged into the object), in declaration order; a
/// failed optional leg's default in its place, or nothing; and, when optional legs failed, their names under
/// <see cref="AggregateOptions.MissingProperty"/> (also in the <see cref="AggregateOptions.MissingLegsHeader"/> header).</para>
/// </remarks>
public sealed class AggregateResult : IDisposable
{
    private const string JsonContentType = "application/json; charset=utf-8";
    private const string ProblemContentType = "application/problem+json; charset=utf-8";

    // The legs' JSON is copied as it is; what EdgeKit writes itself (property names, problem details naming legs in
    // quotes) is escaped only where JSON requires, not for HTML: the body is never served as HTML.
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Aggregator _aggregator;
    private readonly LegState[]? _legs;
    private readonly string? _problemDetail;
    private readonly LegState? _failedLeg;

    internal AggregateResult(Aggregator aggregator, AggregateLegResult[] legs, int statusCode, LegState[]? states, string? problemDetail, LegState? failedLeg)
    {
        _aggregator = aggregator;
        _legs = states;
        _problemDetail = problemDetail;
        _failedLeg = failedLeg;
        Legs = legs;
        StatusCode = statusCode;
        MissingLegs = legs.Where(l => !l.Required && l.Outcome != AggregateLegOutcome.Success).Select(l => l.Name).ToArray();
        if (statusCode != 200)
        {
            CacheControl = "no-store";
        }
    }

    /// <summary>The aggregate's name.</summary>
    public string AggregateName => _aggregator.Name;

    /// <summary>The status to answer: 200, 400, 502 or 504 (see the remarks).</summary>
    public int StatusCode { get; }

    /// <summary>Whether every required leg succeeded (<see cref="StatusCode"/> is 200).</summary>
    public bool Succeeded => StatusCode == 200;

    /// <summary>The <c>Content-Type</c>: <c>application/json</c>, or <c>application/problem+json</c> for a failure.</summary>
    public string ContentType => Succeeded ? JsonContentType : ProblemContentType;

    /// <summary>How each leg ended, in declaration order (empty when the request was rejected before any leg ran).</summary>
    public IReadOnlyList<AggregateLegResult> Legs { get; }

    /// <summary>The optional legs that failed, in declaration order; empty when none did.</summary>
    public IReadOnlyList<string> MissingLegs { get; }

    /// <summary>
    /// The combined <c>Cache-Control</c>: the most restrictive of the legs' (see docs/aggregation.md); <c>no-store</c> when a
    /// leg is missing or the aggregate failed.
    /// </summary>
    public string? CacheControl { get; internal init; }

    /// <summary>The union of the legs' <c>Vary</c>, or <see langword="null"/>.</summary>
    public string? Vary { get; internal init; }

    /// <summary>
    /// The response headers to send besides <c>Content-Type</c>: <c>Cache-Control</c>, <c>Vary</c> and
    /// <see cref="AggregateOptions.MissingLegsHeader"/>. No other leg header is passed on (<c>Set-Cookie</c> never is).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> Headers
    {
        get
        {
            if (CacheControl is not null)
            {
                yield return new("Cache-Control", CacheControl);
            }

            if (Vary is not null)
            {
                yield return new("Vary", Vary);
            }

            if (Succeeded && MissingLegs.Count > 0)
            {
                yield return new(AggregateOptions.MissingLegsHeader, string.Join(", ", MissingLegs));
            }
        }
    }

    /// <summary>Writes the body to a pipe, flushing after each leg.</summary>
    /// <param name="writer">The pipe (for example an ASP.NET response's <c>BodyWriter</c>).</param>
    /// <param name="cancellationToken">Stops writing.</param>
    /// <returns>A task that completes once the body is written and flushed.</returns>
    public async Task WriteToAsync(PipeWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        using var json = new Utf8JsonWriter((IBufferWriter<byte>)writer, s_writerOptions);
        int parts = PartCount;
        for (int part = 0; part < parts; part++)
        {
            WritePart(json, part);
            json.Flush();
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the body to a stream, flushing after each leg.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">Stops writing.</param>
    /// <returns>A task that completes once the body is written.</returns>
    public async Task WriteToAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var json = new Utf8JsonWriter(stream, s_writerOptions);
        await using (json.ConfigureAwait(false))
        {
            int parts = PartCount;
            for (int part = 0; part < parts; part++)
            {
                WritePart(json, part);
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the body to a buffer.</summary>
    /// <param name="writer">The buffer.</param>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        using var json = new Utf8JsonWriter(writer, s_writerOptions);
        int parts = PartCount;
        for (int part = 0; part < parts; part++)
        {
            WritePart(json, part);
        }
    }

    /// <summary>Returns the legs' pooled buffers.</summary>
    public void Dispose()
    {
        foreach (var leg in _legs ?? [])
        {
            leg.Dispose();
        }
    }

    /// <summary>A problem is one part; a success is the opening, one part per leg, and the closing.</summary>
    private int PartCount => Succeeded ? _legs!.Length + 2 : 1;

    private void WritePart(Utf8JsonWriter json, int part)
    {
        if (!Succeeded)
        {
            WriteProblem(json);
        }
        else if (part == 0)
        {
            json.WriteStartObject();
            _written = null;
        }
        else if (part <= _legs!.Length)
        {
            WriteLeg(json, _legs[part - 1]);
        }
        else
        {
            if (MissingLegs.Count > 0)
            {
                json.WriteStartArray(_aggregator.Options.MissingProperty);
                foreach (var name in MissingLegs)
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }
    }

    private HashSet<string>? _written;

    private void WriteLeg(Utf8JsonWriter json, LegState state)
    {
        var leg = state.Leg;
        if (leg.Options.Output == AggregateLegOutput.None)
        {
            return;
        }

        ReadOnlySpan<byte> value;
        if (state.Outcome != AggregateLegOutcome.Success)
        {
            if (leg.DefaultJson is null)
            {
                return;
            }

            value = leg.DefaultJson;
        }
        else if (state.Items is { } items)
        {
            json.WritePropertyName(leg.PropertyName);
            json.WriteStartArray();
            foreach (var item in items)
            {
                WriteValue(json, item!.Span);
            }

            json.WriteEndArray();
            return;
        }
        else
        {
            value = state.Buffer!.Span;
        }

        if (leg.Options.Output == AggregateLegOutput.Merge)
        {
            Merge(json, value);
        }
        else
        {
            json.WritePropertyName(leg.PropertyName);
            WriteValue(json, value);
        }
    }

    /// <summary>Copies already-validated JSON as it is (an empty body is <c>null</c>).</summary>
    private static void WriteValue(Utf8JsonWriter json, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteRawValue(value, skipInputValidation: true);
        }
    }

    /// <summary>Copies the properties of a validated JSON object, each value raw; a name already written is skipped.</summary>
    private void Merge(Utf8JsonWriter json, ReadOnlySpan<byte> value)
    {
        _written ??= new HashSet<string>(_legs!.Where(l => l.Leg.Options.Output == AggregateLegOutput.Property)
            .Select(l => l.Leg.Options.Property ?? l.Leg.Name), StringComparer.Ordinal);
        var reader = new Utf8JsonReader(value);
        reader.Read(); // StartObject
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            long start = reader.TokenStartIndex;
            reader.Skip();
            if (_written.Add(name))
            {
                json.WritePropertyName(name);
                json.WriteRawValue(value[(int)start..(int)reader.BytesConsumed], skipInputValidation: true);
            }
        }
    }

    private void WriteProblem(Utf8JsonWriter json)
    {
        var (type, title) = StatusCode switch
        {
            400 => ("https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad Request"),
            504 => ("https://tools.ietf.org/html/rfc9110#section-15.6.5", "Gateway Timeout"),
            _ => ("https://tools.ietf.org/html/rfc9110#section-15.6.3", "Bad Gateway"),
        };
        json.WriteStartObject();
        json.WriteString("type", type);
        json.WriteString("title", title);
        json.WriteNumber("status", StatusCode);
        json.WriteString("detail", _problemDetail);
        json.WriteString("aggregate", _aggregator.Name);
        if (_failedLeg is not null)
        {
            json.WriteString("leg", _failedLeg.Leg.Name);
            json.WriteString("outcome", AggregationLog.OutcomeName(_failedLeg.Outcome));
            if (_failedLeg.StatusCode is { } legStatus)
            {
                json.WriteNumber("legStatus", legStatus);
            }
        }

        json.WriteEndObject();
    }
}
