using EdgeKit.AspNetCore.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>One entry of a route's <c>Transforms</c>, as an <see cref="ITransformFactory"/> sees it while building the route's transforms.</summary>
public sealed class TransformFactoryContext
{
    private readonly Dictionary<string, string?> _entry;
    private readonly List<string> _errors;
    private readonly int _errorsBefore;

    internal TransformFactoryContext(RouteTransformsBuild build, string path, string key, Dictionary<string, string?> entry)
    {
        Build = build;
        Path = path;
        Key = key;
        _entry = entry;
        _errors = build.Errors;
        _errorsBefore = build.Errors.Count;
    }

    /// <summary>The route's id.</summary>
    public string RouteId => Build.RouteId;

    /// <summary>The route's options (read them; changes here have no effect).</summary>
    public GatewayRouteOptions Route => Build.Route;

    /// <summary>The entry's configuration path, e.g. <c>EdgeKit:Routes:orders:Transforms:2</c>.</summary>
    public string Path { get; }

    /// <summary>The factory's <see cref="ITransformFactory.Key"/>, spelled as the factory spells it.</summary>
    public string Key { get; }

    /// <summary>The value of <see cref="Key"/> in the entry; empty when it is empty or null.</summary>
    public string Value => _entry[Key] ?? string.Empty;

    /// <summary>Whether a problem has been reported for this entry.</summary>
    public bool HasErrors => _errors.Count > _errorsBefore;

    /// <summary>The value of one of the factory's <see cref="ITransformFactory.Settings"/> in the entry.</summary>
    /// <param name="setting">The setting's name (case-insensitive).</param>
    /// <returns>The value; empty when given empty or null; <see langword="null"/> when the entry does not hold it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="setting"/> is null.</exception>
    public string? GetSetting(string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return _entry.TryGetValue(setting, out var value) ? value ?? string.Empty : null;
    }

    /// <summary>Reports a problem of the entry: the start fails (or the reload is rejected) listing it after the entry's path.</summary>
    /// <param name="message">A full sentence, e.g. <c>Percent 'x' must be a whole number.</c></param>
    /// <exception cref="ArgumentException"><paramref name="message"/> is null or blank.</exception>
    public void AddError(string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        _errors.Add($"{Path}: {message}");
    }

    /// <summary>Adds a request transform after those of the entries before this one.</summary>
    /// <param name="transform">The transform; shared by every request of the route.</param>
    /// <exception cref="ArgumentNullException"><paramref name="transform"/> is null.</exception>
    public void AddRequestTransform(RequestTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        Build.Requests.Add(transform);
    }

    /// <summary>Adds a response transform after those of the entries before this one.</summary>
    /// <param name="transform">The transform; shared by every request of the route.</param>
    /// <exception cref="ArgumentNullException"><paramref name="transform"/> is null.</exception>
    public void AddResponseTransform(ResponseTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        Build.Responses.Add(transform);
    }

    /// <summary>The whole route's build: the built-in factories share state across entries (the JSON body groups).</summary>
    internal RouteTransformsBuild Build { get; }

    /// <summary>The built-in factories' checks of common value forms, each adding this entry's messages.</summary>
    internal TransformEntryReader Reader => new(Path, Key, _entry, _errors);
}

/// <summary>The state of building one route's transforms, shared by the entries' factories.</summary>
internal sealed class RouteTransformsBuild(string routeId, GatewayRouteOptions route, RouteTransformDefaults defaults, ILogger logger, List<string> errors)
{
    public string RouteId { get; } = routeId;

    public GatewayRouteOptions Route { get; } = route;

    public RouteTransformDefaults Defaults { get; } = defaults;

    public ILogger Logger { get; } = logger;

    public List<string> Errors { get; } = errors;

    public List<RequestTransform> Requests { get; } = [];

    public List<ResponseTransform> Responses { get; } = [];

    /// <summary>The JSON request body operations: one transform, at the place of the first, applies them over one parse.</summary>
    public JsonBodyGroup RequestJson { get; } = new();

    /// <summary>The JSON response body operations.</summary>
    public JsonBodyGroup ResponseJson { get; } = new();
}

/// <summary>The JSON body operations of one direction, applied over one parse.</summary>
internal sealed class JsonBodyGroup
{
    public List<JsonBodyOperation> Operations { get; } = [];

    public int Position { get; set; } = -1;

    public long? MaxBytes { get; set; }
}
