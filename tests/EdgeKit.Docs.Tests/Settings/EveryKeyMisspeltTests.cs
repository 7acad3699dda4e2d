using System.Reflection;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.Configuration;
using EdgeKit.Redis.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeKit.Docs.Tests.Settings;

/// <summary>
/// Walks every settable key of every options type, through the registrations an app makes (AddGateway and the rest),
/// and proves that a misspelling of it is refused with its full path and the key meant.
/// </summary>
public sealed class EveryKeyMisspeltTests(ITestOutputHelper output)
{
    [Fact]
    public void A_misspelling_of_every_settable_key_of_every_options_type_is_refused_naming_the_key_meant()
    {
        var provider = new MemoryConfigurationProvider(new MemoryConfigurationSource());
        var configuration = new ConfigurationBuilder().Add(new FixedSource(provider)).Build();
        var services = new ServiceCollection();
        var section = configuration.GetSection("EdgeKit");
        var edgeKit = services.AddEdgeKit().AddGateway(section);
        services.AddAuthentication()
            .AddEdgeKitJwt(section.GetSection("Authentication:Jwt"))
            .AddEdgeKitApiKeys(section.GetSection("Authentication:ApiKeys"))
            .AddEdgeKitHmac(section.GetSection("Authentication:Hmac"));
        edgeKit.AddAuthorizationPolicies(section.GetSection("Authorization"))
            .AddIdentityForwarding("user", section.GetSection("IdentityForwarding:user"))
            .AddRedisRateLimitPolicy("shared", configuration.GetSection("Redis:Policies:shared"));
        services.AddHttpClient("catalog")
            .AddEdgeKitResilience(configuration.GetSection("Clients:catalog:Resilience"))
            .AddEdgeKitRateLimiting(configuration.GetSection("Clients:catalog:RateLimiting"))
            .AddEdgeKitApiKey(configuration.GetSection("Clients:catalog:ApiKey"))
            .AddEdgeKitClientCredentials(configuration.GetSection("Clients:catalog:ClientCredentials"));
        using var sp = services.BuildServiceProvider();
        var check = sp.GetRequiredService<ConfigurationCheck>();
        var sections = sp.GetServices<StrictSection>().ToList();

        var covered = new HashSet<SettingsObject>();
        var failures = new List<string>();
        int keys = 0;
        foreach (var registered in sections)
        {
            foreach (var (path, key) in Walk(registered.Path, registered.Shape, covered, depth: 0))
            {
                string misspelt = Misspell(key);
                string full = (path.Length == 0 ? "" : path + ":") + misspelt;
                provider.Set(full, "1");
                var errors = check.Check();
                provider.Remove(full);
                keys++;
                string expected = $"`{full}` is not a setting; did you mean `{key}`?";
                if (errors.Count != 1 || errors[0] != expected)
                {
                    failures.Add($"{full}: expected [{expected}], got [{string.Join(" | ", errors)}]");
                }
            }
        }

        output.WriteLine($"{keys} keys misspelt across {covered.Count} options types");
        failures.Should().BeEmpty();
        var all = new[] { typeof(EdgeKitSettingsShapes), typeof(AspNetCoreSettingsShapes), typeof(RedisSettingsShapes) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(f => (SettingsObject)f.GetValue(null)!)
            .ToList();
        all.Where(o => !covered.Contains(o)).Select(o => o.Name).Should().BeEmpty("every options type is reached through a registration");
        check.Check().Should().BeEmpty("the configuration is empty again");
    }

    /// <summary>Every key below <paramref name="shape"/>: its parent's path and its name. Dictionaries get an entry 'x', lists an element 0.</summary>
    private static IEnumerable<(string Path, string Key)> Walk(string path, SettingsObject shape, HashSet<SettingsObject> covered, int depth)
    {
        covered.Add(shape);
        foreach (var key in shape.Keys)
        {
            yield return (path, key.Name);
            if (depth > 6)
            {
                continue;
            }

            string below = (path.Length == 0 ? "" : path + ":") + key.Name;
            var inner = key.Shape;
            while (inner.Kind is SettingKind.Dictionary or SettingKind.List)
            {
                below += inner.Kind == SettingKind.Dictionary ? ":x" : ":0";
                inner = inner.Element!;
            }

            if (inner.Kind == SettingKind.Object)
            {
                foreach (var nested in Walk(below, inner.Object!, covered, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>A typo: the last two letters swapped (or one dropped when they are the same).</summary>
    private static string Misspell(string key) =>
        key.Length >= 3 && char.ToUpperInvariant(key[^1]) != char.ToUpperInvariant(key[^2])
            ? key[..^2] + key[^1] + key[^2]
            : key[..^1];

    private sealed class FixedSource(IConfigurationProvider provider) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => provider;
    }
}

internal static class MemoryProviderExtensions
{
    public static void Remove(this MemoryConfigurationProvider provider, string key)
    {
        // The provider has no Remove; setting null keeps the key, so rebuild without it.
        var field = typeof(ConfigurationProvider).GetProperty("Data", BindingFlags.Instance | BindingFlags.NonPublic)!;
        var data = (IDictionary<string, string?>)field.GetValue(provider)!;
        data.Remove(key);
    }
}
