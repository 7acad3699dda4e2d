namespace EdgeKit.Gateway;

/// <summary>
/// Applies <c>Host:InlineIo</c>: Kestrel's inline scheduling through its socket transport options, and the runtime's
/// inline socket completions through the environment variable it reads once, before the process's first socket.
/// </summary>
internal static class InlineIo
{
    /// <summary>The runtime's switch (System.Net.Sockets, Unix only); read once, when the first socket is registered with the socket engine.</summary>
    public const string CompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private const string Key = $"{HostSettings.SectionName}:InlineIo:SocketCompletions";

    /// <summary>
    /// Sets <see cref="CompletionsVariable"/> for this process as <paramref name="settings"/> ask, unless the environment
    /// already holds a value the settings contradict (the start check reports that). Call before any socket exists:
    /// the runtime reads the variable once, from the process's own copy of the environment, which this updates.
    /// </summary>
    /// <returns>Whether socket completions run inline in this process.</returns>
    public static bool ApplyToProcess(InlineIoSettings settings)
    {
        var current = Environment.GetEnvironmentVariable(CompletionsVariable);
        if (Conflict(settings, current) is null)
        {
            Environment.SetEnvironmentVariable(CompletionsVariable, settings.SocketCompletions ? "1" : null);
        }

        return Environment.GetEnvironmentVariable(CompletionsVariable) == "1";
    }

    /// <summary>The start error when the environment sets the runtime's switch one way and the file the other, or <see langword="null"/>.</summary>
    public static string? Conflict(InlineIoSettings settings, string? environment) =>
        environment is not null && (environment == "1") != settings.SocketCompletions
            ? $"`{Key}` is {(settings.SocketCompletions ? "true" : "false")}, but the environment sets {CompletionsVariable}={environment} (which the runtime reads at start); remove the variable or make the two agree."
            : null;
}
