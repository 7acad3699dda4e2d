using EdgeKit.TestShared;

namespace EdgeKit.Docs.Tests.Settings;

/// <summary>The libraries' settings shapes are the options types' settable keys, exactly.</summary>
public sealed class SettingsShapeTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void The_generated_settings_shapes_are_those_of_the_options_types()
    {
        var stale = new List<string>();
        foreach (var (file, text) in SettingsShapeGenerator.Generate())
        {
            var path = Path.Combine(Root, file);
            var current = File.Exists(path) ? File.ReadAllText(path) : null;
            if (current != text)
            {
                File.WriteAllText(path, text);
                stale.Add(file);
            }
        }

        stale.Should().BeEmpty("the options types changed: the files were rewritten; rebuild and run the tests again");
    }
}
