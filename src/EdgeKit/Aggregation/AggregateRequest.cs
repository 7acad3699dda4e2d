namespace EdgeKit.Aggregation;

/// <summary>What one execution of an aggregate starts from: its arguments and the caller's request headers.</summary>
public sealed class AggregateRequest
{
    /// <summary>The values of argument placeholders (<c>{id}</c>), by name (case-insensitive).</summary>
    public Dictionary<string, string> Arguments { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The caller's request headers (case-insensitive names); only those the aggregate forwards reach the legs.
    /// </summary>
    public Dictionary<string, string[]> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sets an argument; returns this request for chaining.</summary>
    /// <param name="name">The argument's name.</param>
    /// <param name="value">Its value.</param>
    /// <returns>This request.</returns>
    public AggregateRequest WithArgument(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Arguments[name] = value;
        return this;
    }

    /// <summary>Sets a request header; returns this request for chaining.</summary>
    /// <param name="name">The header's name.</param>
    /// <param name="values">Its values.</param>
    /// <returns>This request.</returns>
    public AggregateRequest WithHeader(string name, params string[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        Headers[name] = values;
        return this;
    }
}
