using System.Runtime.CompilerServices;

namespace EdgeKit.Configuration;

/// <summary>
/// The configuration key an options object was read from when it is not where EdgeKit's own configuration keeps it: a
/// route or cluster imported from YARP's or Ocelot's configuration. Checks that name what they check (a route, a cluster)
/// name this key, so an error points at the line the user wrote, not at an <c>EdgeKit:</c> path that exists nowhere.
/// </summary>
internal static class SourcePaths
{
    private static readonly ConditionalWeakTable<object, string> s_paths = new();

    /// <summary>Records that <paramref name="options"/> was read from <paramref name="path"/>.</summary>
    /// <returns><paramref name="options"/>.</returns>
    public static T Remember<T>(T options, string path)
        where T : class
    {
        s_paths.AddOrUpdate(options, path);
        return options;
    }

    /// <summary>The key <paramref name="options"/> was read from, or null when it is EdgeKit's own configuration or code.</summary>
    public static string? Of(object options) => s_paths.TryGetValue(options, out var path) ? path : null;
}
