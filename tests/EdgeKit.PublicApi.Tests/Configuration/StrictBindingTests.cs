using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.PublicApi.Tests.Configuration;

/// <summary>
/// A third-party package (here "Acme", defined below) binds its own section the way EdgeKit binds its own, through the
/// public surface only (StrictBinding, SettingsObject, SettingShape, SettingKey, IConfigurationRule, ConfigurationCheck):
/// its misspelt keys fail the start naming the key meant, beside EdgeKit's own problems, and a dry run finds them too.
/// </summary>
public sealed class StrictBindingTests
{
    [Fact]
    public async Task A_misspelt_key_of_a_package_section_fails_the_start_naming_the_key_meant()
    {
        using var host = AcmeHost(new() { ["Acme:Cache:Sise"] = "10" });

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Failures.Should().Equal("`Acme:Cache:Sise` is not a setting; did you mean `Size`?");
        failure.OptionsType.Should().Be<AcmeCacheOptions>();
        failure.Message.Should().Be("`Acme:Cache:Sise` is not a setting; did you mean `Size`?");
    }

    [Fact]
    public async Task Values_that_do_not_convert_fail_the_start_naming_the_form_expected_every_problem_at_once()
    {
        using var host = AcmeHost(new()
        {
            ["Acme:Cache:Expiry"] = "10s",
            ["Acme:Cache:Mode"] = "Remot",
            ["Acme:Cache:Servers:first"] = "cache1:6379",
        });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Equal(
            "`Acme:Cache:Expiry`: '10s' is not a time span; write it as `00:00:10`.",
            "`Acme:Cache:Mode`: 'Remot' is not one of Local, Remote; did you mean `Remote`?",
            "`Acme:Cache:Servers:first`: `Servers` is a list; write it as a JSON array ([ ... ]), not as a section with the key 'first'.");
    }

    [Fact]
    public async Task A_valid_package_section_binds_and_the_start_succeeds()
    {
        using var host = AcmeHost(new()
        {
            ["Acme:Cache:size"] = "64",
            ["Acme:Cache:Expiry"] = "00:05:00",
            ["Acme:Cache:Mode"] = "remote",
            ["Acme:Cache:Servers:0"] = "cache1:6379",
        });

        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<AcmeCacheOptions>>().Value;
        options.Size.Should().Be(64);
        options.Expiry.Should().Be(TimeSpan.FromMinutes(5));
        options.Mode.Should().Be(AcmeCacheMode.Remote);
        options.Servers.Should().Equal("cache1:6379");
        host.Services.GetRequiredService<ConfigurationCheck>().Report().Should().BeEmpty();
        await host.StopAsync();
    }

    [Fact]
    public void The_package_problems_are_listed_with_EdgeKit_own_and_its_rule_runs_on_the_configuration_without_bad_keys()
    {
        var configuration = Configuration(new()
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.11:8080",
            ["EdgeKit:Clusters:orders:LoadBalancing:Strategi"] = "RoundRobin",
            ["Acme:Cache:Mode"] = "Remote",
            ["Acme:Cache:Szie"] = "3",
        });
        var services = new ServiceCollection();
        services.AddEdgeKit().AddConfiguration(configuration.GetSection("EdgeKit"));
        AddAcmeCache(services, configuration.GetSection("Acme:Cache"));
        using var provider = services.BuildServiceProvider();

        var resolve = () => provider.GetRequiredService<IOptions<AcmeCacheOptions>>().Value;

        resolve.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "`EdgeKit:Clusters:orders:LoadBalancing:Strategi` is not a setting; did you mean `Strategy`?",
            "`Acme:Cache:Szie` is not a setting; did you mean `Size`?",
            "Acme:Cache: Mode Remote needs at least one server in Servers.");
        provider.GetRequiredService<ConfigurationCheck>().Check().Should().Equal(
            "`EdgeKit:Clusters:orders:LoadBalancing:Strategi` is not a setting; did you mean `Strategy`?",
            "`Acme:Cache:Szie` is not a setting; did you mean `Size`?");
    }

    [Fact]
    public void A_dry_run_checks_a_candidate_configuration_and_binds_from_it_without_applying_it()
    {
        var live = Configuration(new() { ["Acme:Cache:Size"] = "8" });
        var services = new ServiceCollection();
        AddAcmeCache(services, live.GetSection("Acme:Cache"));
        using var provider = services.BuildServiceProvider();
        var check = provider.GetRequiredService<ConfigurationCheck>();

        var bad = Configuration(new() { ["Acme:Cache:Size"] = "16", ["Acme:Cache:Expiri"] = "00:01:00" });
        var good = Configuration(new() { ["Acme:Cache:Size"] = "16" });
        var badRun = check.ForCandidate(section => Rebase(section, bad));
        var goodRun = check.ForCandidate(section => Rebase(section, good));

        badRun.Check().Should().Equal("`Acme:Cache:Expiri` is not a setting; did you mean `Expiry`?");
        var createBad = () => badRun.CreateOptionsFactory<AcmeCacheOptions>(provider).Create(Options.DefaultName);
        createBad.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal("`Acme:Cache:Expiri` is not a setting; did you mean `Expiry`?");
        goodRun.Check().Should().BeEmpty();
        goodRun.CreateOptionsFactory<AcmeCacheOptions>(provider).Create(Options.DefaultName).Size.Should().Be(16);
        provider.GetRequiredService<IOptions<AcmeCacheOptions>>().Value.Size.Should().Be(8, "the live configuration is untouched");
        check.Check().Should().BeEmpty();
    }

    [Fact]
    public void A_reload_with_a_misspelt_key_changes_nothing_and_is_logged()
    {
        var (configuration, source) = ReloadableConfigurationSource.Create(new Dictionary<string, string?> { ["Acme:Cache:Size"] = "8" });
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        AddAcmeCache(services, configuration.GetSection("Acme:Cache"));
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<AcmeCacheOptions>>();
        monitor.CurrentValue.Size.Should().Be(8);

        source.Replace(new Dictionary<string, string?> { ["Acme:Cache:Size"] = "16", ["Acme:Cache:Sizes"] = "32" });

        monitor.CurrentValue.Size.Should().Be(8, "not one key of a rejected change is applied");
        logs.WithEventId(1007).Select(e => e.Message).Should().Equal(
            "EdgeKit configuration reload rejected; the previous configuration stays in force. `Acme:Cache:Sizes` is not a setting; did you mean `Size`?");

        source.Replace(new Dictionary<string, string?> { ["Acme:Cache:Size"] = "16" });

        monitor.CurrentValue.Size.Should().Be(16);
        logs.WithEventId(1007).Should().HaveCount(1);
    }

    [Fact]
    public void A_shape_checks_a_section_on_its_own()
    {
        var configuration = Configuration(new() { ["Acme:Cache:Size"] = "ten", ["Acme:Cache:Modes"] = "Local" });

        AcmeShapes.Cache.Check(configuration.GetSection("Acme:Cache")).Should().Equal(
            "`Acme:Cache:Modes` is not a setting; did you mean `Mode`?",
            "`Acme:Cache:Size`: 'ten' is not a whole number.");
        AcmeShapes.Cache.Check(Configuration(new() { ["Acme:Cache:Size"] = "10" }).GetSection("Acme:Cache")).Should().BeEmpty();
        AcmeShapes.Cache.Find("SIZE")!.Shape.Should().BeSameAs(SettingShape.Int32);
        AcmeShapes.Cache.Find("Sise").Should().BeNull();
    }

    [Fact]
    public void Registering_a_section_twice_binds_it_once()
    {
        var configuration = Configuration(new() { ["Acme:Cache:Size"] = "8" });
        var services = new ServiceCollection();

        AddAcmeCache(services, configuration.GetSection("Acme:Cache"));
        bool again = StrictBinding.Add<AcmeCacheOptions>(services, null, configuration.GetSection("Acme:Cache"), AcmeShapes.Cache, (c, o) => c.Bind(o));

        again.Should().BeFalse();
        services.Count(d => d.ServiceType == typeof(IConfigureOptions<AcmeCacheOptions>)).Should().Be(1);
    }

    [Fact]
    public void The_did_you_mean_rule_serves_a_package_own_names()
    {
        SettingNames.Closest("premium-plna", ["basic", "premium-plan"]).Should().Be("premium-plan");
        SettingNames.Closest("Route", ["Routes", "Clusters"]).Should().Be("Routes");
        SettingNames.Closest("gold", ["basic", "premium-plan"]).Should().BeNull();
    }

    [Fact]
    public void Bad_arguments_are_refused_with_typed_exceptions()
    {
        var section = Configuration(new()).GetSection("Acme");
        var services = new ServiceCollection();

        ((Action)(() => StrictBinding.Add<AcmeCacheOptions>(null!, null, section, AcmeShapes.Cache, (c, o) => c.Bind(o))))
            .Should().Throw<ArgumentNullException>().WithParameterName("services");
        ((Action)(() => StrictBinding.Add<AcmeCacheOptions>(services, null, section, null!, (c, o) => c.Bind(o))))
            .Should().Throw<ArgumentNullException>().WithParameterName("shape");
        ((Action)(() => StrictBinding.AddSection(services, null!, AcmeShapes.Cache)))
            .Should().Throw<ArgumentNullException>().WithParameterName("section");
        ((Action)(() => SettingShape.Enum([]))).Should().Throw<ArgumentException>().WithParameterName("names");
        ((Action)(() => SettingShape.Of(null!))).Should().Throw<ArgumentNullException>().WithParameterName("obj");
        ((Action)(() => new SettingKey("Servers:0", SettingShape.String))).Should().Throw<ArgumentException>().WithParameterName("name");
        ((Action)(() => new SettingKey(" ", SettingShape.String))).Should().Throw<ArgumentException>().WithParameterName("name");
        var twice = new SettingsObject("Twice", () => [new("Size", SettingShape.Int32), new("size", SettingShape.String)]);
        ((Func<object>)(() => twice.Keys)).Should().Throw<InvalidOperationException>()
            .WithMessage("The keys of 'Twice' hold 'size' twice (keys match case-insensitively).");
        services.Should().BeEmpty("nothing is registered by a refused call");
    }

    private static IHost AcmeHost(Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        AddAcmeCache(builder.Services, builder.Configuration.GetSection("Acme:Cache"));
        builder.Services.AddOptions<AcmeCacheOptions>().ValidateOnStart();
        return builder.Build();
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static IConfiguration Rebase(IConfiguration live, IConfigurationRoot candidate) =>
        live is IConfigurationSection section ? candidate.GetSection(section.Path) : candidate;

    /// <summary>The package's registration extension, as it would write it.</summary>
    private static void AddAcmeCache(IServiceCollection services, IConfiguration section)
    {
        StrictBinding.Add<AcmeCacheOptions>(services, null, section, AcmeShapes.Cache, (c, o) => c.Bind(o));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigurationRule, AcmeServersRule>());
    }

    public enum AcmeCacheMode
    {
        Local,
        Remote,
    }

    public sealed class AcmeCacheOptions
    {
        public int Size { get; set; } = 1;

        public TimeSpan Expiry { get; set; } = TimeSpan.FromMinutes(1);

        public AcmeCacheMode Mode { get; set; }

        public List<string> Servers { get; set; } = [];
    }

    /// <summary>The package's settings shape (written by hand here; EdgeKit generates its own).</summary>
    private static class AcmeShapes
    {
        public static readonly SettingsObject Cache = new("AcmeCacheOptions", () =>
        [
            new("Size", SettingShape.Int32),
            new("Expiry", SettingShape.TimeSpan),
            new("Mode", SettingShape.Enum(["Local", "Remote"])),
            new("Servers", SettingShape.List(SettingShape.String)),
        ]);
    }

    /// <summary>The package's check across keys, reported with every other problem of the configuration.</summary>
    private sealed class AcmeServersRule(IServiceProvider services) : IConfigurationRule
    {
        public void Check(List<string> errors, bool starting)
        {
            var options = services.GetRequiredService<IOptionsFactory<AcmeCacheOptions>>().Create(Options.DefaultName);
            if (options.Mode == AcmeCacheMode.Remote && options.Servers.Count == 0)
            {
                errors.Add("Acme:Cache: Mode Remote needs at least one server in Servers.");
            }
        }
    }
}
