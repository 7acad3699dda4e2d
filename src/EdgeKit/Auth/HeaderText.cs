namespace EdgeKit.Auth;

/// <summary>Checks on header names and values (RFC 9110 §5.1, §5.5).</summary>
internal static class HeaderText
{
    /// <summary>Whether <paramref name="name"/> is a token: a valid header name.</summary>
    public static bool IsToken(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (char c in name)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether every character of <paramref name="value"/> is visible ASCII or a space: safe in any header value.</summary>
    public static bool IsVisibleAscii(ReadOnlySpan<char> value)
    {
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
