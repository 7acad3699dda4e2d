namespace EdgeKit.AspNetCore.Transforms;

/// <summary>RFC 9110 syntax checks used when transforms are built.</summary>
internal static class HeaderSyntax
{
    /// <summary>Whether <paramref name="value"/> is a non-empty RFC 9110 token (a header name, a method).</summary>
    public static bool IsToken(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> can be sent as a header value (no CR, LF or NUL).</summary>
    public static bool IsValidValue(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;
}
