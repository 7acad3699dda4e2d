namespace EdgeKit.Configuration;

/// <summary>Where a leg's JSON goes in the aggregate's response.</summary>
public enum AggregateLegOutput
{
    /// <summary>Under a property named after the leg (or <see cref="AggregateLegOptions.Property"/>): <c>{"order": {...}}</c>. The default.</summary>
    Property,

    /// <summary>
    /// The leg's response must be a JSON object; its properties are copied into the aggregate's top-level object. When two
    /// legs write a property of the same name, the first in declaration order wins.
    /// </summary>
    Merge,

    /// <summary>Not written: the leg only supplies values to other legs.</summary>
    None,
}
