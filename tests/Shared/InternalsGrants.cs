using System.Reflection;
using System.Runtime.CompilerServices;

namespace EdgeKit.TestShared;

/// <summary>
/// The <see cref="InternalsVisibleToAttribute"/> grants of a shipped assembly, read from the compiled assembly: the
/// shipped assemblies open their internals to EdgeKit's test, benchmark and fuzz assemblies only, never to each other,
/// to a user, or to tests/EdgeKit.PublicApi.Tests (which proves what a third party can do with the public surface).
/// </summary>
internal static class InternalsGrants
{
    /// <summary>The names of the assemblies <paramref name="assembly"/> grants its internals to, sorted.</summary>
    public static string[] Of(Assembly assembly) =>
    [
        .. assembly.GetCustomAttributes<InternalsVisibleToAttribute>()
            .Select(attribute => attribute.AssemblyName.Split(',')[0].Trim())
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>The grants of <paramref name="assembly"/> to anything but a test, benchmark or fuzz assembly of EdgeKit.</summary>
    public static string[] NotToTests(Assembly assembly) => [.. Of(assembly).Where(name => !IsTestAssembly(name))];

    private static bool IsTestAssembly(string name) =>
        name is "EdgeKit.Benchmarks" or "EdgeKit.Fuzz"
        || (name.StartsWith("EdgeKit.", StringComparison.Ordinal) && name.EndsWith("Tests", StringComparison.Ordinal)
            && name != "EdgeKit.PublicApi.Tests");
}
