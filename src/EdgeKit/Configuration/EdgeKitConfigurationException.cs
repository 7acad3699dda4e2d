namespace EdgeKit.Configuration;

/// <summary>EdgeKit's configuration is invalid. <see cref="Errors"/> lists every problem found, not only the first.</summary>
public sealed class EdgeKitConfigurationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">Every problem found; at least one.</param>
    public EdgeKitConfigurationException(IReadOnlyList<string> errors)
        : this(errors, innerException: null)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="errors">Every problem found; at least one.</param>
    /// <param name="innerException">What reported the problems, for example a configuration binding failure; may be <see langword="null"/>.</param>
    public EdgeKitConfigurationException(IReadOnlyList<string> errors, Exception? innerException)
        : base(FormatMessage(errors), innerException)
    {
        Errors = errors;
    }

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string FormatMessage(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return $"EdgeKit configuration is invalid ({errors.Count} {(errors.Count == 1 ? "problem" : "problems")}):"
            + string.Concat(errors.Select(e => System.Environment.NewLine + " - " + e));
    }
}
