using System.Reflection;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Redis.RateLimiting;
using EdgeKit.TestShared;

namespace EdgeKit.PublicApi.Tests.Architecture;

/// <summary>
/// The guard of this project: no shipped assembly grants it InternalsVisibleTo, so every test here uses EdgeKit as a
/// third party would, through the public surface only; a test that reaches for an internal member does not compile.
/// </summary>
public sealed class InternalsGrantTests
{
    /// <summary>The shipped library assemblies, each named by one of its public types.</summary>
    public static TheoryData<string> ShippedAssemblies => new()
    {
        typeof(Cluster).Assembly.GetName().Name!,
        typeof(GatewayOptions).Assembly.GetName().Name!,
        typeof(RedisRateLimiterOptions).Assembly.GetName().Name!,
    };

    [Theory]
    [MemberData(nameof(ShippedAssemblies))]
    public void No_shipped_assembly_grants_its_internals_to_this_project(string assembly)
    {
        string self = typeof(InternalsGrantTests).Assembly.GetName().Name!;
        var grants = InternalsGrants.Of(Assembly.Load(assembly));

        self.Should().Be("EdgeKit.PublicApi.Tests");
        grants.Should().NotBeEmpty("each shipped assembly has tests of its own internals, so the reader must see grants");
        grants.Should().NotContain(self, "this project proves what a third party can do with the public surface only");
    }

    [Theory]
    [MemberData(nameof(ShippedAssemblies))]
    public void A_shipped_assembly_grants_its_internals_only_to_test_benchmark_and_fuzz_assemblies(string assembly) =>
        InternalsGrants.NotToTests(Assembly.Load(assembly)).Should().BeEmpty("{0} may not open its internals to another shipped assembly or to a user", assembly);
}
