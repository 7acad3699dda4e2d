using System.Buffers;
using System.Text;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>Writes a decoded request path back in its URI form for the outgoing request.</summary>
internal static class PathEncoding
{
    // RFC 3986 pchar (unreserved / sub-delims / ':' / '@') plus '/'. Kestrel decodes every escape except an encoded
    // '/' (%2F), which it leaves as is: that one is kept, so the backend sees a segment separator only where the client
    // sent one; any other '%' in the decoded path was a literal '%' (sent as %25) and is escaped again.
    private static readonly SearchValues<char> s_safe = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/");

    /// <summary>Returns <paramref name="path"/> escaped for a URI; the same instance when nothing needs escaping.</summary>
    public static string Encode(string path)
    {
        int first = path.AsSpan().IndexOfAnyExcept(s_safe);
        if (first < 0)
        {
            return path;
        }

        var builder = new StringBuilder(path.Length + 16);
        builder.Append(path, 0, first);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = first; i < path.Length; i++)
        {
            char c = path[i];
            if (s_safe.Contains(c))
            {
                builder.Append(c);
                continue;
            }

            if (c == '%' && i + 2 < path.Length && path[i + 1] == '2' && (path[i + 2] is 'F' or 'f'))
            {
                builder.Append(c);
                continue;
            }

            int length;
            if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(path.AsSpan(i, 2), utf8);
                i++;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(new ReadOnlySpan<char>(in c), utf8);
            }

            for (int b = 0; b < length; b++)
            {
                builder.Append('%').Append(HexUpper(utf8[b] >> 4)).Append(HexUpper(utf8[b] & 0xF));
            }
        }

        return builder.ToString();
    }

    private static char HexUpper(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);
}
