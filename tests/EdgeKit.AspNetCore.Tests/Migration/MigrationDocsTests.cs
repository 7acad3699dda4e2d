using System.Reflection;
using System.Text.RegularExpressions;
using EdgeKit.AspNetCore.Migration;
using EdgeKit.TestShared;

namespace EdgeKit.AspNetCore.Tests.Migration;

/// <summary>Each migration page lists every key its importer reads or refuses.</summary>
public sealed class MigrationDocsTests
{
    [Theory]
    [InlineData(typeof(YarpConfigurationImporter), "docs/migrating-from-yarp.md")]
    [InlineData(typeof(OcelotConfigurationImporter), "docs/migrating-from-ocelot.md")]
    public void The_migration_page_names_every_key_the_importer_knows(Type importer, string page)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), page));
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var field in importer.GetFields(BindingFlags.Static | BindingFlags.NonPublic))
        {
            switch (field.GetValue(null))
            {
                case string[] names:
                    keys.UnionWith(names);
                    break;
                case Dictionary<string, string> refused:
                    keys.UnionWith(refused.Keys);
                    break;
                case Dictionary<string, string[]> transforms:
                    keys.UnionWith(transforms.Keys);
                    keys.UnionWith(transforms.Values.SelectMany(v => v));
                    break;
            }
        }

        keys.Should().HaveCountGreaterThan(40);
        // A key counts as listed when it is a word inside a code span (`Key`, `Match:Path`, `A`/`B`...).
        string prose = Regex.Replace(text, "^```.*?^```", "", RegexOptions.Singleline | RegexOptions.Multiline);
        var spans = Regex.Matches(prose, "`[^`]+`").Select(m => m.Value).ToList();
        keys.Where(key => !spans.Any(span => Regex.IsMatch(span, $@"(?<![\w.]){Regex.Escape(key)}(?![\w])")))
            .Should().BeEmpty("{0} lists every key the importer reads or refuses", page);
    }
}
