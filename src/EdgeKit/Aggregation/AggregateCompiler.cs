using System.Text;
using System.Text.Json;
using EdgeKit.Configuration;

namespace EdgeKit.Aggregation;

/// <summary>
/// Compiles an <see cref="AggregateOptions"/>' legs (templates parsed, dependencies found, order fixed) and checks the
/// options in the same pass, gathering every problem rather than stopping at the first.
/// </summary>
/// <remarks>
/// Checking and building are one pass on purpose: most problems (placeholders naming no leg, fan-outs referred to,
/// cycles) are found by parsing the templates and ordering the legs, which is the building itself, and the problems
/// are reported in the order of the options. This is the aggregate's validator (docs/architecture.md, "Layers of the core").
/// </remarks>
internal static class AggregateCompiler
{
    /// <summary>The reserved placeholder root naming the current element of a fan-out.</summary>
    public const string ItemName = "item";

    private static readonly HashSet<string> s_unforwardable = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Content-Length", "Content-Type", "Expect",
    };

    /// <summary>
    /// Checks <paramref name="options"/>, adding every problem (prefixed with <paramref name="path"/>) to
    /// <paramref name="errors"/>; returns the compiled legs in an order path every leg comes after those it depends on,
    /// or null when there was a problem.
    /// </summary>
    /// <param name="options">The aggregate's options.</param>
    /// <param name="path">What problems are prefixed with: <c>Aggregate 'name'</c>.</param>
    /// <param name="errors">Where problems are added.</param>
    public static CompiledLeg[]? Compile(AggregateOptions options, string path, List<string> errors)
    {
        int before = errors.Count;
        if (options.Legs is null || options.Legs.Count == 0)
        {
            errors.Add($"{path} has no legs; add at least one.");
            return null;
        }

        if (options.MaxResponseBytes <= 0)
        {
            errors.Add($"{path}: MaxResponseBytes must be positive, was {options.MaxResponseBytes}.");
        }

        if (string.IsNullOrWhiteSpace(options.MissingProperty))
        {
            errors.Add($"{path}: MissingProperty must not be empty.");
        }

        CheckHeaders(options.ForwardedRequestHeaders, $"{path}: ForwardedRequestHeaders", errors);

        int beforeNames = errors.Count;
        var indexes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < options.Legs.Count; i++)
        {
            var leg = options.Legs[i];
            if (leg is null)
            {
                errors.Add($"{path}: leg {i} is null.");
                continue;
            }

            if (string.IsNullOrEmpty(leg.Name) || !leg.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                errors.Add($"{path}: leg {i} has the name '{leg.Name}'; a leg's name is letters, digits, '_' and '-'.");
            }
            else if (string.Equals(leg.Name, ItemName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{path}: a leg cannot be named '{ItemName}', which names the element of a fan-out.");
            }
            else if (!indexes.TryAdd(leg.Name, i))
            {
                errors.Add($"{path}: two legs are named '{leg.Name}'; leg names are unique (case-insensitive).");
            }
        }

        if (errors.Count > beforeNames)
        {
            return null; // placeholders cannot be resolved against legs without sound names
        }

        var legs = new CompiledLeg[options.Legs.Count];
        var forwardedDefault = (options.ForwardedRequestHeaders ?? (IEnumerable<string>)AggregateOptions.DefaultForwardedRequestHeaders).ToArray();
        for (int i = 0; i < legs.Length; i++)
        {
            legs[i] = CompileLeg(path, i, options.Legs[i], indexes, forwardedDefault, errors);
        }

        // Fan-out legs produce arrays of responses: other legs cannot take values from them.
        foreach (var leg in legs)
        {
            foreach (int dependency in leg.Dependencies)
            {
                if (legs[dependency].ForEach is not null)
                {
                    errors.Add($"{path}: leg '{leg.Name}' uses values of leg '{legs[dependency].Name}', which fans out (ForEach); a fan-out's responses cannot be referred to.");
                }
            }
        }

        var order = Sort(path, legs, errors);
        if (errors.Count > before || order is null)
        {
            return null;
        }

        foreach (var leg in legs)
        {
            foreach (int dependency in leg.Dependencies)
            {
                legs[dependency].NeedsDocument = true;
            }
        }

        return order;
    }

    private static CompiledLeg CompileLeg(string aggregate, int index, AggregateLegOptions leg, Dictionary<string, int> legs, string[] forwardedDefault, List<string> errors)
    {
        string where = $"{aggregate}, leg '{leg.Name}'";
        if (string.IsNullOrWhiteSpace(leg.Cluster) == string.IsNullOrWhiteSpace(leg.Client))
        {
            errors.Add($"{where}: set exactly one of Cluster and Client.");
        }

        HttpMethod method = HttpMethod.Get;
        if (string.IsNullOrWhiteSpace(leg.Method))
        {
            errors.Add($"{where}: Method must not be empty.");
        }
        else
        {
            try
            {
                method = HttpMethod.Parse(leg.Method);
            }
            catch (FormatException)
            {
                errors.Add($"{where}: Method '{leg.Method}' is not a valid HTTP method token.");
            }
        }

        AggregateTemplate path;
        if (string.IsNullOrEmpty(leg.Path) || leg.Path[0] != '/')
        {
            errors.Add($"{where}: Path must start with '/', was '{leg.Path}'.");
            path = AggregateTemplate.Parse("/", TemplateContext.Path, legs, where, errors);
        }
        else
        {
            path = AggregateTemplate.Parse(leg.Path, TemplateContext.Path, legs, $"{where}, Path", errors);
        }

        var body = leg.Body is null ? null : AggregateTemplate.Parse(leg.Body, TemplateContext.Body, legs, $"{where}, Body", errors);
        if (body is not null && string.IsNullOrWhiteSpace(leg.BodyContentType))
        {
            errors.Add($"{where}: BodyContentType must not be empty when a Body is set.");
        }

        var headers = new List<KeyValuePair<string, AggregateTemplate>>();
        foreach (var (header, value) in leg.Headers ?? [])
        {
            if (s_unforwardable.Contains(header))
            {
                errors.Add($"{where}: header '{header}' cannot be set on a leg.");
                continue;
            }

            headers.Add(new(header, AggregateTemplate.Parse(value ?? "", TemplateContext.Header, legs, $"{where}, header '{header}'", errors)));
        }

        CheckHeaders(leg.ForwardedRequestHeaders, $"{where}: ForwardedRequestHeaders", errors);

        if (!(leg.Timeout == Timeout.InfiniteTimeSpan || (leg.Timeout >= TimeSpan.FromMilliseconds(1) && leg.Timeout <= TimeSpan.FromDays(1))))
        {
            errors.Add($"{where}: Timeout must be between 1 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was {leg.Timeout}.");
        }

        if (leg.MaxResponseBytes <= 0)
        {
            errors.Add($"{where}: MaxResponseBytes must be positive, was {leg.MaxResponseBytes}.");
        }

        byte[]? defaultJson = null;
        if (leg.Default is not null)
        {
            if (leg.Required)
            {
                errors.Add($"{where}: a Default is only used by an optional leg; set Required to false or remove the Default.");
            }

            defaultJson = Encoding.UTF8.GetBytes(leg.Default);
            if (!IsJson(defaultJson, leg.Output == AggregateLegOutput.Merge))
            {
                errors.Add($"{where}: Default is not {(leg.Output == AggregateLegOutput.Merge ? "a JSON object (the leg is merged)" : "valid JSON")}: '{leg.Default}'.");
            }
        }

        Placeholder? forEach = null;
        if (leg.ForEach is not null)
        {
            forEach = AggregateTemplate.Resolve(leg.ForEach, legs, $"{where}, ForEach", errors);
            if (forEach.Kind != PlaceholderKind.Leg)
            {
                errors.Add($"{where}: ForEach '{leg.ForEach}' must start with the name of another leg, e.g. 'order.items'.");
                forEach = null;
            }

            if (leg.Output == AggregateLegOutput.Merge)
            {
                errors.Add($"{where}: a leg that fans out (ForEach) writes an array and cannot be merged.");
            }
        }

        if (leg.MaxConcurrency is < 1 or > AggregateLegOptions.MaxAllowedConcurrency)
        {
            errors.Add($"{where}: MaxConcurrency must be between 1 and {AggregateLegOptions.MaxAllowedConcurrency}, was {leg.MaxConcurrency}.");
        }

        if (!Enum.IsDefined(leg.Output))
        {
            errors.Add($"{where}: Output '{leg.Output}' is not one of Property, Merge and None.");
        }

        if (leg.Property is not null && string.IsNullOrWhiteSpace(leg.Property))
        {
            errors.Add($"{where}: Property must not be blank; leave it unset to use the leg's name.");
        }

        var templates = new List<AggregateTemplate> { path };
        if (body is not null)
        {
            templates.Add(body);
        }

        templates.AddRange(headers.Select(h => h.Value));
        var placeholders = templates.SelectMany(t => t.Placeholders).ToList();
        if (leg.ForEach is null && placeholders.FirstOrDefault(p => p.Kind == PlaceholderKind.Item) is { } item)
        {
            errors.Add($"{where}: placeholder '{{{item.Text}}}' names the element of a fan-out, but the leg has no ForEach.");
        }

        var dependencies = placeholders.Where(p => p.Kind == PlaceholderKind.Leg).Select(p => p.LegIndex);
        if (forEach is not null)
        {
            dependencies = dependencies.Append(forEach.LegIndex);
        }

        return new CompiledLeg
        {
            Index = index,
            Name = leg.Name,
            Options = leg,
            Method = method,
            Path = path,
            Body = body,
            BodyContentType = leg.BodyContentType,
            Headers = [.. headers],
            ForwardedHeaders = leg.ForwardedRequestHeaders?.ToArray() ?? forwardedDefault,
            Arguments = placeholders.Where(p => p.Kind == PlaceholderKind.Argument).Select(p => p.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            Dependencies = dependencies.Distinct().ToArray(),
            ForEach = forEach,
            DefaultJson = defaultJson,
            PropertyName = JsonEncodedText.Encode(leg.Property ?? leg.Name),
        };
    }

    private static void CheckHeaders(List<string>? headers, string where, List<string> errors)
    {
        foreach (var header in headers ?? [])
        {
            if (string.IsNullOrWhiteSpace(header))
            {
                errors.Add($"{where} has an empty header name.");
            }
            else if (s_unforwardable.Contains(header))
            {
                errors.Add($"{where}: '{header}' is a hop-by-hop, framing or Host header and cannot be forwarded.");
            }
        }
    }

    /// <summary>Orders the legs so that each comes after its dependencies; reports a cycle with its path.</summary>
    private static CompiledLeg[]? Sort(string where, CompiledLeg[] legs, List<string> errors)
    {
        var state = new int[legs.Length]; // 0 new, 1 on the current path, 2 done
        var order = new List<CompiledLeg>(legs.Length);
        var path = new List<int>();
        foreach (var leg in legs)
        {
            if (!Visit(leg.Index))
            {
                return null;
            }
        }

        return [.. order];

        bool Visit(int index)
        {
            if (state[index] == 2)
            {
                return true;
            }

            if (state[index] == 1)
            {
                int start = path.IndexOf(index);
                var cycle = path.Skip(start).Append(index).Select(i => legs[i].Name);
                errors.Add($"{where}: legs depend on each other in a cycle: {string.Join(" -> ", cycle)}.");
                return false;
            }

            state[index] = 1;
            path.Add(index);
            foreach (int dependency in legs[index].Dependencies)
            {
                if (!Visit(dependency))
                {
                    return false;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[index] = 2;
            order.Add(legs[index]);
            return true;
        }
    }

    /// <summary>Whether <paramref name="utf8"/> is one complete JSON value (an object, when <paramref name="objectOnly"/>).</summary>
    public static bool IsJson(ReadOnlySpan<byte> utf8, bool objectOnly)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || (objectOnly && reader.TokenType != JsonTokenType.StartObject))
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
