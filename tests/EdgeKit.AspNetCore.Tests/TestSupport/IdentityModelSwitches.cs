using System.Runtime.CompilerServices;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

internal static class IdentityModelSwitches
{
    /// <summary>
    /// Key refreshes block the request that asked for them, so that the first token signed with a rotated key passes
    /// (docs/auth.md recommends this switch for gateways). Set before any IdentityModel code runs.
    /// </summary>
    [ModuleInitializer]
    internal static void UpdateConfigurationAsBlocking() => AppContext.SetSwitch("Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking", true);
}
