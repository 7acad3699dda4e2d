namespace EdgeKit.TestShared;

/// <summary>The repository's root: the folder above the test assembly that holds EdgeKit.sln.</summary>
internal static class RepositoryRoot
{
    /// <summary>The root's full path.</summary>
    /// <exception cref="InvalidOperationException">No folder above the test assembly holds EdgeKit.sln.</exception>
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeKit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"EdgeKit.sln not found above {AppContext.BaseDirectory}.");
    }
}
