namespace EdgeKit.ConfigurationStore;

/// <summary>A configuration store could not be reached (a Redis server down or too slow); nothing was read or written.</summary>
public sealed class ConfigurationStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationStoreUnavailableException()
        : this("The configuration store cannot be reached.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public ConfigurationStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store client's exception.</param>
    public ConfigurationStoreUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
