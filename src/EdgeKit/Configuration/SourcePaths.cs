using System.Runtime.CompilerServices;

namespace EdgeKit.Configuration;

/// <summary>
/// The configuration key an options object was read from when it is not where EdgeKit's own configuration keeps it: a
/// route or cluster imported from YARP's or Ocelot's configuration, or from a format a package reads itself. Checks
/// that name what they check (a route, a cluster) name this key, so an error points at the line the user wrote, not at
/// an <c>EdgeKit:</c> path that exists nowhere. The record lives as long as the options object (no strong reference).
/// </summary>
public static class SourcePaths
{
    private static readonly ConditionalWeakTable<object, string> s_paths = new();

    /// <summary>Records that <paramref name="options"/> was read from <paramref name="path"/> (replacing an earlier record).</summary>
    /// <typeparam name="T">The options type (a route's or a cluster's options).</typeparam>
    /// <param name="options">The options object.</param>
    /// <param name="path">The full configuration path it was read from (<c>ReverseProxy:Routes:orders</c>).</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is <see langword="null"/>, empty or blank.</exception>
    public static T Remember<T>(T options, string path)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        s_paths.AddOrUpdate(options, path);
        return options;
    }

    /// <summary>The key <paramref name="options"/> was read from, or <see langword="null"/> when it is EdgeKit's own configuration or code.</summary>
    /// <param name="options">The options object.</param>
    /// <returns>The path recorded by <see cref="Remember{T}"/>, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static string? Of(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return s_paths.TryGetValue(options, out var path) ? path : null;
    }
}
