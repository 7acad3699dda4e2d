using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeKit.Configuration;

/// <summary>One configuration section an EdgeKit registration binds, with the keys it may hold.</summary>
internal sealed class StrictSection(IConfiguration configuration, SettingsObject shape, Type optionsType, string optionsName, Func<IServiceProvider, IEnumerable<string>>? validate = null)
{
    public IConfiguration Configuration { get; } = configuration;

    public SettingsObject Shape { get; } = shape;

    public Type OptionsType { get; } = optionsType;

    public string OptionsName { get; } = optionsName;

    /// <summary>Creates the options (from what binds) and returns the problems their validators report.</summary>
    public Func<IServiceProvider, IEnumerable<string>>? Validate { get; } = validate;

    /// <summary>The section's full path (<c>EdgeKit:Routes</c>); empty for a configuration root.</summary>
    public string Path => (Configuration as IConfigurationSection)?.Path ?? string.Empty;
}

/// <summary>
/// A check across keys (a route's cluster exists, a policy name resolves) that the whole-configuration report
/// (<see cref="ConfigurationCheck.Report()"/>) runs on the options as they bind without their structural problems, so
/// that a start fails with every problem of the configuration listed at once, a package's beside EdgeKit's. Register
/// it as a singleton <see cref="IConfigurationRule"/> (<c>TryAddEnumerable</c>); it runs after the options validators
/// of every section bound by <see cref="StrictBinding"/>. A sentence about an entry (a route, a cluster) whose keys are
/// in error is left out of the report: name the entry by its full path (<c>EdgeKit:Routes:orders</c>) for that to work.
/// </summary>
public interface IConfigurationRule
{
    /// <summary>Adds a sentence per problem; adds nothing when there is none. May throw <c>OptionsValidationException</c> (its failures are reported).</summary>
    /// <param name="errors">Receives the problems (the problems found before it are already there: only add).</param>
    /// <param name="starting">
    /// Whether the app is starting (no configuration has passed yet). On a reload the rule must use nothing that caches
    /// options (an <c>IOptionsMonitor</c>): what it reads is the rejected configuration, which must not be kept anywhere.
    /// </param>
    void Check(List<string> errors, bool starting);
}

/// <summary>
/// Checks every section EdgeKit binds (<see cref="StrictSection"/>), all together, whenever options are created: at
/// start and on every reload. At start, a problem fails the creation of the options with every problem of the whole
/// configuration listed: the structural ones (unknown keys, values that do not convert) and, beside them, those of the
/// checks across keys (<see cref="IConfigurationRule"/>, options validators), run on the configuration without its bad
/// keys and skipping what they say about an entry (route, cluster, policy) whose structure failed. After a valid start,
/// a change that does not pass is logged (each problem once) and options keep being bound from the last configuration
/// that passed, so an invalid reload changes nothing anywhere.
/// </summary>
/// <remarks>
/// One instance per service provider, registered by <c>AddEdgeKit()</c> and by <see cref="StrictBinding"/>; take it from
/// the services. A component that applies configuration changes itself asks <see cref="TryValidate"/> before applying
/// one; a dry run of a candidate configuration uses <see cref="ForCandidate"/>.
/// </remarks>
public sealed class ConfigurationCheck
{
    /// <summary>The check whose <see cref="Report()"/> is running on this thread: its options bind leniently meanwhile.</summary>
    [ThreadStatic]
    private static ConfigurationCheck? t_reporting;

    private readonly StrictSection[] _sections;
    private readonly IServiceProvider? _services;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Func<IConfiguration, IConfiguration>? _rebase;
    private Dictionary<string, IConfiguration>? _lastGood;
    private string? _lastLogged;

    internal ConfigurationCheck(IEnumerable<StrictSection> sections, ILoggerFactory? loggerFactory = null, IServiceProvider? services = null, Func<IConfiguration, IConfiguration>? rebase = null)
    {
        _sections = sections.ToArray();
        _services = services;
        _rebase = rebase;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.Configuration");
    }

    /// <summary>
    /// Every structural problem of the configuration as it is now (unknown keys, values that do not convert, in every
    /// section registered with <see cref="StrictBinding"/>), one sentence each; empty when it binds as written. Runs no
    /// validator or rule and logs nothing.
    /// </summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Check() => CheckAll().Messages.Distinct(StringComparer.Ordinal).ToList();

    private StructuralProblems CheckAll()
    {
        var problems = new StructuralProblems();
        var paths = _sections.Select(s => s.Path).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        foreach (var group in _sections.GroupBy(s => s.Path, StringComparer.OrdinalIgnoreCase))
        {
            var section = group.First().Configuration;
            var shape = SettingsObject.Merge(group.Key, group.Select(s => s.Shape).Distinct().ToArray());
            string own = group.Key;
            if (section is IConfigurationSection { Value: { Length: > 0 } value } scalar && !section.GetChildren().Any())
            {
                problems.Add(scalar.Path, null, $"`{scalar.Path}`: '{value}' is a value; it expects {SettingShape.Of(shape).Describe()}.");
                continue;
            }

            StrictConfiguration.CheckObject(section, shape, new SectionOwners(own, paths), problems);
        }

        return problems;
    }

    /// <summary>
    /// Every problem of the configuration as it is now: the structural ones first, then what the checks across keys find
    /// (the options validators of the sections bound, the <see cref="IConfigurationRule"/>s) on the configuration without
    /// its bad keys, leaving out what they say about an entry whose structure failed. Logs nothing.
    /// </summary>
    /// <returns>The problems, each once; empty when the configuration is valid.</returns>
    public IReadOnlyList<string> Report() => Report(CheckAll(), []);

    /// <summary>
    /// <see cref="Report()"/> for a caller that found <paramref name="own"/> problems (a start that failed on them): those,
    /// with every other problem of the configuration.
    /// </summary>
    /// <param name="own">The caller's problems, listed first (after the structural ones).</param>
    /// <returns>The problems, each once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="own"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<string> ReportWith(IEnumerable<string> own)
    {
        ArgumentNullException.ThrowIfNull(own);
        return Report(CheckAll(), own);
    }

    private List<string> Report(StructuralProblems structure, IEnumerable<string> own)
    {
        var found = new List<string>(own);
        if (_services is not null && t_reporting != this)
        {
            var previous = t_reporting;
            t_reporting = this;
            try
            {
                foreach (var section in _sections)
                {
                    if (section.Validate is { } validate)
                    {
                        Collect(found, () => found.AddRange(validate(_services)));
                    }
                }

                bool starting = _lastGood is null;
                foreach (var rule in _services.GetServices<IConfigurationRule>())
                {
                    Collect(found, () => rule.Check(found, starting));
                }
            }
            finally
            {
                t_reporting = previous;
            }
        }

        return structure.Messages
            .Concat(found.Where(e => !structure.IsAbout(e)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static void Collect(List<string> found, Action check)
    {
        try
        {
            check();
        }
        catch (OptionsValidationException ex)
        {
            found.AddRange(ex.Failures);
        }
        catch (EdgeKitConfigurationException ex)
        {
            found.AddRange(ex.Errors);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            found.Add(ex.Message);
        }
    }

    /// <summary>
    /// Checks the structure of the whole configuration; true when it passes (it then becomes the last configuration that
    /// passed, which options bind from while a later one does not). Once a configuration has passed, a failing one is
    /// logged (every problem of <see cref="Report()"/>, event 1007, each once however many callers ask). A component that
    /// applies configuration changes itself calls it first and applies nothing when it returns false.
    /// </summary>
    /// <param name="errors">The structural problems; empty when it passes.</param>
    /// <returns>Whether the configuration passes.</returns>
    public bool TryValidate(out IReadOnlyList<string> errors)
    {
        lock (_lock)
        {
            var found = CheckAll();
            errors = found.Messages;
            if (found.Count == 0)
            {
                _lastGood = _sections
                    .GroupBy(s => s.Path, StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => Snapshot(g.First().Configuration), StringComparer.OrdinalIgnoreCase);
                _lastLogged = null;
                return true;
            }

            string joined = string.Join('\n', found.Messages);
            if (_lastGood is not null && joined != _lastLogged && t_reporting != this)
            {
                _lastLogged = joined;
                foreach (var error in Report(found, []))
                {
                    ConfigurationLog.ConfigurationRejected(_logger, error);
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The configuration to bind <paramref name="section"/> from: itself when the whole configuration passes; the last
    /// configuration that passed when it does not and one did; otherwise it throws with every problem
    /// (<see cref="Report()"/>). While the report runs, the configuration without its bad keys.
    /// </summary>
    internal IConfiguration SourceOf(IConfiguration section, string optionsName, Type optionsType)
    {
        if (t_reporting == this)
        {
            var problems = CheckAll();
            return problems.Count == 0 ? section : Without(section, problems.Keys);
        }

        if (TryValidate(out _))
        {
            return section;
        }

        lock (_lock)
        {
            if (_lastGood is null)
            {
                throw new OptionsValidationException(optionsName, optionsType, Report());
            }

            string path = (section as IConfigurationSection)?.Path ?? string.Empty;
            foreach (var (root, snapshot) in _lastGood)
            {
                if (string.Equals(root, path, StringComparison.OrdinalIgnoreCase))
                {
                    return snapshot;
                }

                if (root.Length == 0 || (path.Length > root.Length && path[root.Length] == ':' && path.StartsWith(root, StringComparison.OrdinalIgnoreCase)))
                {
                    return snapshot.GetSection(root.Length == 0 ? path : path[(root.Length + 1)..]);
                }
            }

            return new ConfigurationBuilder().Build();
        }
    }

    /// <summary>
    /// A dry run: the same check of the same sections, each read through <paramref name="rebase"/> (a candidate
    /// configuration, for example the document a configuration store would apply), without applying it. The check
    /// returned runs the structural checks only (<see cref="Check"/>), logs nothing and keeps nothing; the options
    /// validators run on the options its <see cref="CreateOptionsFactory{TOptions}"/> creates.
    /// </summary>
    /// <param name="rebase">Returns, for a section of the live configuration, the same section of the candidate.</param>
    /// <returns>The check of the candidate.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rebase"/> is <see langword="null"/>.</exception>
    public ConfigurationCheck ForCandidate(Func<IConfiguration, IConfiguration> rebase)
    {
        ArgumentNullException.ThrowIfNull(rebase);
        return new(_sections.Select(s => new StrictSection(rebase(s.Configuration), s.Shape, s.OptionsType, s.OptionsName)), rebase: rebase);
    }

    /// <summary>
    /// A factory of <typeparamref name="TOptions"/> set up as the app sets them up (every <see cref="IConfigureOptions{TOptions}"/>,
    /// post-configuration and validator of <paramref name="services"/>), except that what <see cref="StrictBinding"/>
    /// binds is read from this check's configuration: for a check made by <see cref="ForCandidate"/>, the options as the
    /// candidate would bind them (created without caching anything); for the app's own check, the app's.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="services">The app's services.</param>
    /// <returns>The factory; its <c>Create</c> throws <see cref="OptionsValidationException"/> with the problems of a candidate that does not pass.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public IOptionsFactory<TOptions> CreateOptionsFactory<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceProvider services)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        var setups = services.GetServices<IConfigureOptions<TOptions>>()
            .Select(setup => setup is StrictConfigureOptions<TOptions> strict && _rebase is not null ? strict.On(_rebase, this) : setup)
            .ToList();
        return new OptionsFactory<TOptions>(setups, services.GetServices<IPostConfigureOptions<TOptions>>(), services.GetServices<IValidateOptions<TOptions>>());
    }

    private static IConfiguration Snapshot(IConfiguration section) =>
        new ConfigurationBuilder().AddInMemoryCollection(section.AsEnumerable(makePathsRelative: true)).Build();

    /// <summary>A copy of <paramref name="section"/> without the keys in <paramref name="bad"/> (and what they hold).</summary>
    private static IConfiguration Without(IConfiguration section, IReadOnlyList<string> bad)
    {
        string path = (section as IConfigurationSection)?.Path ?? string.Empty;
        string prefix = path.Length == 0 ? string.Empty : path + ":";
        var kept = new List<KeyValuePair<string, string?>>();
        foreach (var (key, value) in section.AsEnumerable())
        {
            if (key.Length <= prefix.Length || bad.Any(b => key.Equals(b, StringComparison.OrdinalIgnoreCase) || key.StartsWith(b + ":", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            kept.Add(new(key[prefix.Length..], value));
        }

        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build();
    }
}

/// <summary>Binds one options type from a section once <see cref="ConfigurationCheck"/> passes the whole configuration.</summary>
internal sealed class StrictConfigureOptions<TOptions>(string name, IConfiguration section, Action<IConfiguration, TOptions> bind, ConfigurationCheck check)
    : IConfigureNamedOptions<TOptions>
    where TOptions : class
{
    public void Configure(string? name1, TOptions options)
    {
        if (string.Equals(name1 ?? Options.DefaultName, name, StringComparison.Ordinal))
        {
            bind(check.SourceOf(section, name, typeof(TOptions)), options);
        }
    }

    public void Configure(TOptions options) => Configure(Options.DefaultName, options);

    /// <summary>The same binding, from the section read through <paramref name="rebase"/> and checked by <paramref name="check1"/> (see <see cref="ConfigurationCheck.ForCandidate"/>).</summary>
    internal StrictConfigureOptions<TOptions> On(Func<IConfiguration, IConfiguration> rebase, ConfigurationCheck check1) =>
        new(name, rebase(section), bind, check1);
}

/// <summary>
/// The one way EdgeKit binds options from configuration: checked first, never silently. A package binds its own section
/// the same way, and gets what EdgeKit's sections get: an unknown key is an error naming its full path and the key it
/// most resembles, a value that does not convert names the form expected, every problem of the whole configuration is
/// listed at once when the options are first created (a start), an invalid reload is logged and changes nothing, and
/// the configuration store's dry run and the gateway host's <c>check</c> command run the same checks.
/// </summary>
/// <example>
/// <code>
/// StrictBinding.Add&lt;AcmeCacheOptions&gt;(services, null, configuration.GetSection("Acme:Cache"), AcmeCacheShapes.Options, (c, o) =&gt; c.Bind(o));
/// services.AddOptions&lt;AcmeCacheOptions&gt;().ValidateOnStart();
/// </code>
/// </example>
public static class StrictBinding
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> (named <paramref name="name"/>) from <paramref name="section"/> after the
    /// whole configuration is checked, and reloads it with the section. The same type, name and section registered again
    /// is ignored, so calling two registrations that both bind a section (AddGateway and AddRateLimiting) binds it once.
    /// Creating the options when the configuration has a problem throws <see cref="OptionsValidationException"/> listing
    /// every problem of the configuration (<see cref="ConfigurationCheck.Report()"/>); after a valid start, the options
    /// bind from the last configuration that passed.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The options' name; <see langword="null"/> for the default.</param>
    /// <param name="section">The section bound (a section of the app's configuration, so that it reloads with it).</param>
    /// <param name="shape">The keys the section may hold.</param>
    /// <param name="bind">Binds; written at the call site with the concrete type (<c>(c, o) =&gt; c.Bind(o)</c>), so the source-generated binder serves it.</param>
    /// <returns>Whether it was registered now (false: it already was).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="section"/>, <paramref name="shape"/> or <paramref name="bind"/> is <see langword="null"/>.</exception>
    public static bool Add<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceCollection services, string? name, IConfiguration section, SettingsObject shape, Action<IConfiguration, TOptions> bind)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(bind);
        name ??= Options.DefaultName;
        string path = (section as IConfigurationSection)?.Path ?? string.Empty;
        if (services.Any(d => d.ServiceType == typeof(StrictSection) && d.ImplementationInstance is StrictSection s
            && s.OptionsType == typeof(TOptions) && s.OptionsName == name && string.Equals(s.Path, path, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        services.AddOptions();
        AddCheck(services);
        services.AddSingleton(new StrictSection(section, shape, typeof(TOptions), name, sp =>
        {
            // Created (not taken from a cache): the validators run on what binds now.
            sp.GetRequiredService<IOptionsFactory<TOptions>>().Create(name);
            return [];
        }));
        services.AddSingleton<IConfigureOptions<TOptions>>(sp => new StrictConfigureOptions<TOptions>(name, section, bind, sp.GetRequiredService<ConfigurationCheck>()));
        services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(name, section));
        return true;
    }

    /// <summary>
    /// Checks a section that no single options type binds: one whose parts are bound by separate registrations (e.g.
    /// <c>EdgeKit:Caching</c>: its policies and its store), or a file's top level. The keys of <paramref name="shape"/>
    /// that another registration binds are checked by that registration. Registering the same shape and section again
    /// does nothing.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section (or the configuration root).</param>
    /// <param name="shape">The keys it may hold.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="section"/> or <paramref name="shape"/> is <see langword="null"/>.</exception>
    public static void AddSection(IServiceCollection services, IConfiguration section, SettingsObject shape)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(shape);
        string path = (section as IConfigurationSection)?.Path ?? string.Empty;
        if (services.Any(d => d.ServiceType == typeof(StrictSection) && d.ImplementationInstance is StrictSection s
            && s.Shape == shape && string.Equals(s.Path, path, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        AddCheck(services);
        services.AddSingleton(new StrictSection(section, shape, typeof(void), shape.Name));
    }

    /// <summary>
    /// Registers the <see cref="ConfigurationCheck"/> (once), whose report of every problem at start also serves
    /// configuration that binds no section (given in code, imported from YARP or Ocelot).
    /// </summary>
    /// <param name="services">The services.</param>
    internal static void AddCheck(IServiceCollection services) =>
        services.TryAddSingleton(sp => new ConfigurationCheck(sp.GetServices<StrictSection>(), sp.GetService<ILoggerFactory>(), sp));
}
