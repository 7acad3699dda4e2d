using System.Text.Json.Nodes;

namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a JSON body transform does to one property.</summary>
internal enum JsonBodyAction
{
    /// <summary>Removes the property.</summary>
    Remove,

    /// <summary>Renames the property, keeping its value.</summary>
    Rename,

    /// <summary>Sets the property to a JSON value, creating missing parent objects.</summary>
    Set,
}

/// <summary>One change to a JSON body: a property path (<c>a.b.c</c>, through objects) and what to do with it.</summary>
internal sealed class JsonBodyOperation
{
    private readonly string[] _path;
    private readonly JsonNode? _value;

    public JsonBodyOperation(string path, JsonBodyAction action, string? renameTo, JsonNode? value)
    {
        Path = path;
        _path = path.Split('.');
        Action = action;
        RenameTo = renameTo;
        _value = value;
    }

    public string Path { get; }

    public JsonBodyAction Action { get; }

    public string? RenameTo { get; }

    /// <summary>Applies the change to <paramref name="root"/>; a path that does not lead through objects is left alone (Set creates missing objects).</summary>
    public void Apply(JsonNode? root)
    {
        if (root is not JsonObject current)
        {
            return;
        }

        for (int i = 0; i < _path.Length - 1; i++)
        {
            var next = current[_path[i]];
            if (next is JsonObject child)
            {
                current = child;
            }
            else if (Action == JsonBodyAction.Set && next is null)
            {
                child = [];
                current[_path[i]] = child;
                current = child;
            }
            else
            {
                return;
            }
        }

        string last = _path[^1];
        switch (Action)
        {
            case JsonBodyAction.Remove:
                current.Remove(last);
                break;
            case JsonBodyAction.Rename:
                if (current.TryGetPropertyValue(last, out var node))
                {
                    current.Remove(last);
                    current[RenameTo!] = node;
                }

                break;
            default:
                current[last] = _value?.DeepClone();
                break;
        }
    }
}
