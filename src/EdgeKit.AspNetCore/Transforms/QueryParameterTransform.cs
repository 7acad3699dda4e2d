using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a <see cref="QueryParameterTransform"/> does.</summary>
internal enum QueryParameterAction
{
    /// <summary>Adds <c>name=value</c> after any existing values.</summary>
    Append,

    /// <summary>Removes every value of the parameter, then adds <c>name=value</c>.</summary>
    Set,

    /// <summary>Removes every value of the parameter.</summary>
    Remove,
}

/// <summary>Adds, sets or removes a query parameter (names compared case-sensitively, after decoding).</summary>
internal sealed class QueryParameterTransform : RequestTransform
{
    private readonly string _pair;

    public QueryParameterTransform(string name, string? value, QueryParameterAction action)
    {
        Name = name;
        Action = action;
        _pair = Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value ?? string.Empty);
    }

    public string Name { get; }

    public QueryParameterAction Action { get; }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var query = context.Query;
        if (Action != QueryParameterAction.Append && query.HasValue)
        {
            query = Without(query, Name);
        }

        if (Action != QueryParameterAction.Remove)
        {
            query = new QueryString(query.HasValue ? string.Concat(query.Value, "&", _pair) : "?" + _pair);
        }

        context.Query = query;
        return default;
    }

    private static QueryString Without(QueryString query, string name)
    {
        bool found = false;
        foreach (var pair in new QueryStringEnumerable(query.Value))
        {
            if (pair.DecodeName().Span.SequenceEqual(name))
            {
                found = true;
                break;
            }
        }

        if (!found)
        {
            return query;
        }

        var builder = new System.Text.StringBuilder(query.Value!.Length);
        foreach (var pair in new QueryStringEnumerable(query.Value))
        {
            if (pair.DecodeName().Span.SequenceEqual(name))
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(pair.EncodedName.Span);
            if (!pair.EncodedValue.IsEmpty)
            {
                builder.Append('=').Append(pair.EncodedValue.Span);
            }
        }

        return builder.Length == 0 ? QueryString.Empty : new QueryString(builder.ToString());
    }
}
