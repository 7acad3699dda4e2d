using CsCheck;

namespace EdgeKit.PropertyTesting;

/// <summary>
/// Generators of the inputs a parser meets from a hostile or broken peer: the separators and quotes that drive header
/// parsers, digits and letters, whitespace, control characters, non-ASCII, lone surrogates, and known words (directive
/// and parameter names) mixed with all of them. Shared by the property tests of every hand-written parser.
/// </summary>
internal static class HostileText
{
    /// <summary>Iterations per property: enough to reach the corners, few enough that every property runs in well under a second.</summary>
    public const int Iterations = 3_000;

    /// <summary>One character, weighted towards the ones a header parser treats specially.</summary>
    public static readonly Gen<char> Char = Gen.Frequency<char>(
        (6, Gen.Char["\"\\,;=:/()[]{}<>@?. \t-_+*'%"]),
        (4, Gen.Char['0', '9']),
        (4, Gen.Char['a', 'z']),
        (1, Gen.Char['A', 'Z']),
        (2, Gen.Char['\0', '\u001f']),
        (1, Gen.Char["\u007f\u0080\u00ff\u00e9\u2028\ufeff\ud800\udc00\uffff"]),
        (1, Gen.Char));

    /// <summary>Any text of hostile characters, up to <paramref name="maxLength"/> long.</summary>
    public static Gen<string> String(int maxLength = 200) => Char.Array[0, maxLength].Select(chars => new string(chars));

    /// <summary>Text made of <paramref name="words"/> and hostile fragments, so that a parser's known names are hit with broken syntax around them.</summary>
    public static Gen<string> Mixed(params string[] words) =>
        Gen.Frequency<string>((3, Gen.OneOf(words)), (3, String(6)), (1, Gen.Int[0, 99999].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Array[0, 24]
            .Select(parts => string.Concat(parts));

    /// <summary>Bytes of any value, up to <paramref name="maxLength"/> long.</summary>
    public static Gen<byte[]> Bytes(int maxLength = 256) => Gen.Byte.Array[0, maxLength];

    /// <summary>Inputs far longer than any real header, built from a repeated fragment: a quadratic parser would hang on them.</summary>
    public static IEnumerable<string> Huge(params string[] fragments)
    {
        const int length = 1 << 20;
        foreach (string fragment in fragments)
        {
            var text = new System.Text.StringBuilder(length + fragment.Length);
            while (text.Length < length)
            {
                text.Append(fragment);
            }

            yield return text.ToString();
        }
    }
}
