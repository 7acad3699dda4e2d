namespace EdgeKit.Auth;

/// <summary>
/// The syntax checks of HTTP header text (RFC 9110 §5.1, §5.5, §5.6.2, §5.6.4), allocation-free: whether a configured
/// header name, key id or credential can be sent as is, and how to put free text into a quoted-string. EdgeKit's auth
/// handlers, identity forwarding and the gateway's JWT challenge use them; a handler of yours can check its own settings
/// the same way.
/// </summary>
public static class HeaderText
{
    /// <summary>
    /// Whether <paramref name="name"/> is an RFC 9110 §5.6.2 token (a valid header name, auth scheme or parameter name):
    /// one or more of the ASCII letters and digits and <c>!#$%&amp;'*+-.^_`|~</c>.
    /// </summary>
    /// <param name="name">The text to check.</param>
    /// <returns><see langword="true"/> when <paramref name="name"/> is a non-empty token.</returns>
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

    /// <summary>
    /// Whether every character of <paramref name="value"/> is visible ASCII (<c>!</c> to <c>~</c>) or a space: safe in any
    /// header value (RFC 9110 §5.5) without encoding. An empty value is <see langword="true"/>.
    /// </summary>
    /// <param name="value">The text to check.</param>
    /// <returns><see langword="true"/> when no character is a control, DEL or beyond ASCII.</returns>
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
    /// (controls other than HTAB, DEL, anything beyond ASCII) becomes <c>?</c>. The result is visible ASCII, space or HTAB;
    /// the caller adds the surrounding quotes.
    /// </summary>
    /// <param name="value">The free text, for example an error description.</param>
    /// <returns><paramref name="value"/> itself when it needs no change, otherwise the escaped copy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    public static string ToQuotedStringContent(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
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
