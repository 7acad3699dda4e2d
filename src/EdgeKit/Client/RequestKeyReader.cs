using EdgeKit.Configuration;

namespace EdgeKit.Client;

/// <summary>Reads a request's key: the explicit option, else the configured header, else the configured cookie.</summary>
internal static class RequestKeyReader
{
    public static string? Read(HttpRequestMessage request, RequestKeyOptions options)
    {
        // Only touch Options when the cluster uses keys: reading it allocates its dictionary.
        if (request.Options.TryGetValue(EdgeKitRequestOptions.RequestKey, out var explicitKey) && !string.IsNullOrEmpty(explicitKey))
        {
            return explicitKey;
        }

        if (options.Header is { } header && request.Headers.TryGetValues(header, out var values))
        {
            foreach (var value in values)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    return value;
                }
            }
        }

        if (options.Cookie is { } cookie && request.Headers.TryGetValues("Cookie", out var cookieHeaders))
        {
            foreach (var cookieHeader in cookieHeaders)
            {
                if (FindCookie(cookieHeader, cookie) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }

    /// <summary>Finds a cookie's value in a <c>Cookie</c> header (<c>a=1; b=2</c>, RFC 6265 §4.2).</summary>
    internal static string? FindCookie(string header, string name)
    {
        var rest = header.AsSpan();
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf(';');
            var pair = (end < 0 ? rest : rest[..end]).Trim();
            rest = end < 0 ? default : rest[(end + 1)..];
            int eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            if (pair[..eq].Trim().Equals(name, StringComparison.Ordinal))
            {
                var value = pair[(eq + 1)..].Trim();
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1];
                }

                return value.IsEmpty ? null : value.ToString();
            }
        }

        return null;
    }
}
