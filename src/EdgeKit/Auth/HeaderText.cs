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

    /// <summary>
    /// <paramref name="value"/> made safe as the content of an RFC 9110 §5.6.4 quoted-string (an auth-param's value,
    /// §11.2): <c>"</c> and <c>\</c> are escaped with <c>\</c>, and every character a header value cannot carry as is
    /// (controls other than HTAB, DEL, anything beyond ASCII) becomes <c>?</c>. The result is visible ASCII, space or HTAB.
    /// </summary>
    public static string ToQuotedStringContent(string value)
    {
        int extra = 0;
        bool clean = true;
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                extra++;
            }
            else if ((c < ' ' && c != '\t') || c > '~')
            {
                clean = false;
            }
        }

        if (extra == 0 && clean)
        {
            return value;
        }

        return string.Create(value.Length + extra, value, static (span, source) =>
        {
            int i = 0;
            foreach (char c in source)
            {
                if (c is '"' or '\\')
                {
                    span[i++] = '\\';
                    span[i++] = c;
                }
                else
                {
                    span[i++] = (c < ' ' && c != '\t') || c > '~' ? '?' : c;
                }
            }
        });
    }
}
