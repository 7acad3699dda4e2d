namespace EdgeKit.AspNetCore.Transforms;

/// <summary>What a header transform does.</summary>
internal enum HeaderAction
{
    /// <summary>Replaces every value with the given one.</summary>
    Set,

    /// <summary>Adds the value after any existing ones.</summary>
    Append,

    /// <summary>Removes the header.</summary>
    Remove,
}
