namespace EdgeKit.Docs.Tests;

/// <summary>One fenced code block of a docs page: <c>```csharp</c>, <c>```json response</c>...</summary>
/// <param name="Page">The page's path from the repository root, e.g. <c>docs/gateway.md</c>.</param>
/// <param name="Index">The block's number among the page's blocks of the same language, from 1.</param>
/// <param name="Line">The page's line of the block's first line of code (the line after the fence).</param>
/// <param name="Language">The fence's first word, e.g. <c>csharp</c>.</param>
/// <param name="Tags">The fence's other words, e.g. <c>ignore</c> or <c>response</c>.</param>
/// <param name="Code">The block's text.</param>
public sealed record MarkdownCodeBlock(string Page, int Index, int Line, string Language, IReadOnlyList<string> Tags, string Code)
{
    /// <summary>Whether the fence carries <paramref name="tag"/>.</summary>
    public bool Has(string tag) => Tags.Contains(tag, StringComparer.Ordinal);

    /// <inheritdoc />
    public override string ToString() => $"{Page} {Language} block #{Index} (line {Line})";

    /// <summary>Every page under <c>docs/</c>, by path from the repository root.</summary>
    public static IEnumerable<string> Pages(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal).Select(p => Path.GetRelativePath(root, p));

    /// <summary>The code blocks of one page, in order.</summary>
    public static List<MarkdownCodeBlock> Read(string root, string page)
    {
        var blocks = new List<MarkdownCodeBlock>();
        var perLanguage = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = File.ReadAllLines(Path.Combine(root, page));
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            string[] info = lines[i][3..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }

            string language = info.Length > 0 ? info[0] : "";
            int index = perLanguage[language] = perLanguage.GetValueOrDefault(language) + 1;
            blocks.Add(new MarkdownCodeBlock(page, index, start + 1, language, info.Skip(1).ToArray(), string.Join('\n', lines[start..end])));
            i = end;
        }

        return blocks;
    }
}
