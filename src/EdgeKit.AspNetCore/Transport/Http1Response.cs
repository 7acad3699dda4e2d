namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// A response of EdgeKit's HTTP/1.1 transport: the message, its header stores, its content and the body stream, made
/// once and reused by the next exchange on the same connection when the forwarder's direct seam
/// (<see cref="Http1Handler.SendDirectAsync"/>) lent it (issue 20: no allocation per request in steady state).
/// </summary>
/// <remarks>
/// A lent response goes back to its connection only from <see cref="Dispose(bool)"/>, and only when its exchange ended
/// cleanly: the body read to its end (or there was none), the content neither replaced nor buffered. Anything else
/// (a body not read to the end, a failed exchange, a closed connection) disposes it as usual, so a connection never
/// hands out objects a previous user could still be reading. The one rule for the lender, which the forwarder keeps:
/// nothing touches a response after disposing it, and it is disposed once. A response sent through
/// <see cref="HttpMessageInvoker"/> is never lent: it behaves as any <see cref="HttpResponseMessage"/>.
/// </remarks>
internal sealed class Http1Response : HttpResponseMessage
{
    private Http1Connection? _lender;

    public Http1Response()
    {
        Body = new Http1ResponseContent();
        Content = Body;
    }

    /// <summary>The transport's own content (the one <see cref="HttpResponseMessage.Content"/> holds unless a caller replaced it).</summary>
    public Http1ResponseContent Body { get; }

    /// <summary>Whether the response is out on loan: its disposal may give it back to <paramref name="connection"/>.</summary>
    public void LendFrom(Http1Connection connection) => _lender = connection;

    /// <summary>Empties the response for its next exchange (headers, trailers, reason, request): called before it is kept.</summary>
    public void Reset()
    {
        Headers.Clear();
        ClearContentHeadersButLength(Body.Headers);
        TrailingHeaders.Clear();
        ReasonPhrase = null;
        RequestMessage = null;
    }

    /// <summary>
    /// Removes every content field except Content-Length, whose parsed entry the next response then overwrites (or keeps,
    /// when its length is the same: setting the property would box the number and allocate a new entry).
    /// </summary>
    private static void ClearContentHeadersButLength(System.Net.Http.Headers.HttpContentHeaders headers)
    {
        while (true)
        {
            string? other = null;
            foreach (var header in headers.NonValidated)
            {
                if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    other = header.Key;
                    break;
                }
            }

            if (other is null)
            {
                return;
            }

            headers.Remove(other);
        }
    }

    protected override void Dispose(bool disposing)
    {
        var lender = _lender;
        _lender = null;
        if (disposing && lender is not null && ReferenceEquals(Content, Body) && Body.Reusable && lender.TryKeep(this))
        {
            return;
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The response field strings of one connection, by the field's position in the head: a backend sends the same fields in
/// the same order on every response, so the name and value strings of the last response on the connection serve the
/// next one whenever their bytes are equal (Server, Content-Type, most of all; Date changes once a second). Used by one
/// exchange at a time.
/// </summary>
internal sealed class Http1FieldCache
{
    private const int Fields = 32;
    private readonly string?[] _names = new string?[Fields];
    private readonly string?[] _values = new string?[Fields];

    /// <summary>The name of the field at <paramref name="index"/>, reused when its bytes are the same.</summary>
    public string Name(int index, ReadOnlySpan<byte> name)
    {
        if ((uint)index >= Fields)
        {
            return Http1ResponseParser.FieldName(name);
        }

        if (_names[index] is { } last && System.Text.Ascii.Equals(name, last))
        {
            return last;
        }

        return _names[index] = Http1ResponseParser.FieldName(name);
    }

    /// <summary>The value of the field at <paramref name="index"/>, reused when its bytes are the same.</summary>
    public string Value(int index, ReadOnlySpan<byte> value)
    {
        if ((uint)index >= Fields)
        {
            return Http1ResponseParser.FieldValue(value);
        }

        if (_values[index] is { } last && System.Text.Ascii.Equals(value, last))
        {
            return last;
        }

        return _values[index] = Http1ResponseParser.FieldValue(value);
    }
}
