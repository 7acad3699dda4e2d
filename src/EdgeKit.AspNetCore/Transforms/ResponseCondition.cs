namespace EdgeKit.AspNetCore.Transforms;

/// <summary>Which responses a response header transform applies to.</summary>
internal enum ResponseCondition
{
    /// <summary>Every response.</summary>
    Always,

    /// <summary>Responses with a status below 400.</summary>
    Success,

    /// <summary>Responses with a status of 400 or more.</summary>
    Failure,
}
