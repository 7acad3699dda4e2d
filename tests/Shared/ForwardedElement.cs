using System.Text;

namespace EdgeKit.PropertyTesting;

/// <summary>
/// A strict reference reader of one RFC 7239 <c>Forwarded</c> element, used by the property tests and the fuzz harness
/// to check what the gateway writes: <c>pair *( ";" pair )</c>, each value an RFC 9110 token or quoted-string.
/// </summary>
internal static class ForwardedElement
{
    /// <summary>The element's pairs, in order; throws <see cref="FormatException"/> on anything that is not RFC 7239 syntax.</summary>
    public static List<(string Name, string Value)> Parse(string element)
    {
        var pairs = new List<(string, string)>();
        int i = 0;
        while (true)
        {
            int start = i;
            while (i < element.Length && IsTokenChar(element[i]))
            {
                i++;
            }

            string name = element[start..i];
            if (name.Length == 0 || i >= element.Length || element[i] != '=')
            {
                throw new FormatException($"'{element}': no pair name at {start}");
            }

            i++;
            var value = new StringBuilder();
            if (i < element.Length && element[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= element.Length)
                    {
                        throw new FormatException($"'{element}': unterminated quoted-string");
                    }

                    char c = element[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        c = element[i++];
                    }
                    else if (!(c == '\t' || c == ' ' || c == '!' || (c >= '#' && c <= '[') || (c >= ']' && c <= '~')))
                    {
                        throw new FormatException($"'{element}': U+{(int)c:X4} in a quoted-string");
                    }

                    value.Append(c);
                }
            }
            else
            {
                while (i < element.Length && IsTokenChar(element[i]))
                {
                    value.Append(element[i++]);
                }

                if (value.Length == 0)
                {
                    throw new FormatException($"'{element}': empty value for {name}");
                }
            }

            pairs.Add((name, value.ToString()));
            if (i == element.Length)
            {
                return pairs;
            }

            if (element[i++] != ';')
            {
                throw new FormatException($"'{element}': '{element[i - 1]}' after a pair");
            }
        }
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
