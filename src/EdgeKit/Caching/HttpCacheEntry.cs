using System.Text;

namespace EdgeKit.Caching;

/// <summary>
/// A stored HTTP response: status, header fields (response and content headers together), body, and the times of
/// the exchange that produced it, which RFC 9111 §4.2.3 needs to compute its age. Immutable; a store may hand the
/// same instance to many readers, and the body array is shared, never copied.
/// </summary>
/// <remarks>
/// An entry whose <see cref="StatusCode"/> is 0 is a <em>variant index</em>: stored under a response's primary key
/// when that response has <c>Vary</c>, it lists the request fields (<see cref="VaryFields"/>) whose values pick the
/// stored variant. Stores need not tell the two apart; they keep and return entries as given.
/// </remarks>
public sealed class HttpCacheEntry
{
    private const byte FormatVersion = 1;
    private static readonly IReadOnlyList<string> s_noFields = [];

    /// <summary>Creates an entry.</summary>
    /// <param name="statusCode">The response's status code (100-999).</param>
    /// <param name="headers">Header fields, names as received, each with its values; copied.</param>
    /// <param name="body">The body; not copied (the caller gives up the right to change it).</param>
    /// <param name="requestTime">When the request that produced the response was sent.</param>
    /// <param name="responseTime">When the response was received.</param>
    /// <exception cref="ArgumentOutOfRangeException">The status code is outside 100-999, or the response time precedes the request time.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="headers"/> is null.</exception>
    public HttpCacheEntry(int statusCode, IEnumerable<KeyValuePair<string, string[]>> headers, ReadOnlyMemory<byte> body,
        DateTimeOffset requestTime, DateTimeOffset responseTime)
        : this(statusCode, headers, body, requestTime, responseTime, s_noFields)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
    }

    private HttpCacheEntry(int statusCode, IEnumerable<KeyValuePair<string, string[]>> headers, ReadOnlyMemory<byte> body,
        DateTimeOffset requestTime, DateTimeOffset responseTime, IReadOnlyList<string> varyFields)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (responseTime < requestTime)
        {
            throw new ArgumentOutOfRangeException(nameof(responseTime), responseTime, $"The response time must not precede the request time ({requestTime:O}).");
        }

        StatusCode = statusCode;
        Headers = headers.Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray())).ToArray();
        Body = body;
        RequestTime = requestTime;
        ResponseTime = responseTime;
        VaryFields = varyFields;
        long size = body.Length + 64;
        foreach (var header in Headers)
        {
            size += (header.Key.Length * 2) + 16;
            foreach (var v in header.Value)
            {
                size += (v.Length * 2) + 24;
            }
        }

        foreach (var field in varyFields)
        {
            size += (field.Length * 2) + 24;
        }

        Size = size;
    }

    /// <summary>The status code; 0 for a variant index.</summary>
    public int StatusCode { get; }

    /// <summary>The header fields, response and content headers together, in the order received.</summary>
    public IReadOnlyList<KeyValuePair<string, string[]>> Headers { get; }

    /// <summary>The body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>When the request that produced this response was sent (RFC 9111 <c>request_time</c>).</summary>
    public DateTimeOffset RequestTime { get; }

    /// <summary>When the response was received (RFC 9111 <c>response_time</c>).</summary>
    public DateTimeOffset ResponseTime { get; }

    /// <summary>For a variant index, the request fields (lower case, sorted) that select a variant; otherwise empty.</summary>
    public IReadOnlyList<string> VaryFields { get; }

    /// <summary>Whether this is a variant index rather than a response.</summary>
    public bool IsVariantIndex => StatusCode == 0;

    /// <summary>An estimate of the memory the entry holds, in bytes: its body plus its header strings.</summary>
    public long Size { get; }

    /// <summary>What the cache derived from the headers, computed once per entry (benign race).</summary>
    internal CacheEntryAnalysis? Analysis { get; set; }

    /// <summary>Creates a variant index for responses that vary on <paramref name="fields"/>.</summary>
    internal static HttpCacheEntry CreateVariantIndex(IReadOnlyList<string> fields, DateTimeOffset time) =>
        new(0, [], ReadOnlyMemory<byte>.Empty, time, time, fields);

    /// <summary>The values of the header field <paramref name="name"/> joined by ", ", or null when absent.</summary>
    /// <param name="name">The field name, compared case-insensitively.</param>
    /// <returns>The combined value or null.</returns>
    public string? GetHeader(string name) => GetHeader(Headers, name);

    /// <summary>The values of the field <paramref name="name"/> in <paramref name="headers"/> joined by ", ", or null.</summary>
    internal static string? GetHeader(IReadOnlyList<KeyValuePair<string, string[]>> headers, string name)
    {
        string? result = null;
        foreach (var header in headers)
        {
            if (header.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var v in header.Value)
                {
                    result = result is null ? v : result + ", " + v;
                }
            }
        }

        return result;
    }

    /// <summary>Serialises the entry (for distributed stores); read back with <see cref="Deserialize"/>.</summary>
    /// <returns>A self-contained, versioned byte representation.</returns>
    public byte[] Serialize()
    {
        var strings = new List<string>();
        using var stream = new MemoryStream((int)Math.Min(Size + 64, int.MaxValue));
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(FormatVersion);
        writer.Write(StatusCode);
        writer.Write(RequestTime.UtcTicks);
        writer.Write(ResponseTime.UtcTicks);
        writer.Write(VaryFields.Count);
        foreach (var field in VaryFields)
        {
            writer.Write(field);
        }

        writer.Write(Headers.Count);
        foreach (var header in Headers)
        {
            writer.Write(header.Key);
            writer.Write(header.Value.Length);
            foreach (var v in header.Value)
            {
                writer.Write(v);
            }
        }

        writer.Write(Body.Length);
        writer.Write(Body.Span);
        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>Reads an entry written by <see cref="Serialize"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The entry; its body is a slice of a new array.</returns>
    /// <exception cref="FormatException">The data is not a serialised entry of a known version, or is truncated.</exception>
    public static HttpCacheEntry Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data[0] != FormatVersion)
        {
            throw new FormatException($"Not a serialised EdgeKit cache entry of format version {FormatVersion}.");
        }

        try
        {
            using var stream = new MemoryStream(data.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            reader.ReadByte();
            int status = reader.ReadInt32();
            var requestTime = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            var responseTime = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            var fields = new string[CheckCount(reader.ReadInt32(), data.Length)];
            for (int i = 0; i < fields.Length; i++)
            {
                fields[i] = reader.ReadString();
            }

            var headers = new KeyValuePair<string, string[]>[CheckCount(reader.ReadInt32(), data.Length)];
            for (int i = 0; i < headers.Length; i++)
            {
                string name = reader.ReadString();
                var values = new string[CheckCount(reader.ReadInt32(), data.Length)];
                for (int j = 0; j < values.Length; j++)
                {
                    values[j] = reader.ReadString();
                }

                headers[i] = new(name, values);
            }

            int length = CheckCount(reader.ReadInt32(), data.Length);
            var body = reader.ReadBytes(length);
            if (body.Length != length || (status != 0 && status is < 100 or > 999))
            {
                throw new FormatException("The serialised EdgeKit cache entry is truncated or corrupt.");
            }

            return new HttpCacheEntry(status, headers, body, requestTime, responseTime, fields);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            throw new FormatException("The serialised EdgeKit cache entry is truncated or corrupt.", e);
        }
    }

    private static int CheckCount(int count, int dataLength) =>
        count < 0 || count > dataLength ? throw new FormatException("The serialised EdgeKit cache entry is truncated or corrupt.") : count;
}
