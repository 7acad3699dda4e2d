using System.Reflection;
using System.Text.RegularExpressions;
using EdgeKit.TestShared;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Docs.Tests;

/// <summary>
/// EdgeKit's log events across its assemblies (core, gateway, Redis; the gateway host's few events are written with
/// <c>new EventId(...)</c>): every id names one event, every <c>[LoggerMessage]</c> of the sources is seen here, and the
/// catalogue of docs/telemetry.md matches the declarations (id, name, level).
/// </summary>
public sealed partial class LogEventCatalogueTests
{
    private static readonly string Root = RepositoryRoot.Find();

    private static readonly Assembly[] Assemblies =
    [
        typeof(EdgeKit.Telemetry.EdgeKitTelemetry).Assembly,
        typeof(EdgeKit.AspNetCore.Configuration.GatewayOptions).Assembly,
        typeof(EdgeKit.Redis.RateLimiting.RedisRateLimiterOptions).Assembly,
    ];

    private static readonly Lazy<IReadOnlyList<Declared>> LoggerMessages = new(FindLoggerMessages);

    [Fact]
    public void Every_event_id_names_one_event_across_the_EdgeKit_assemblies()
    {
        var all = LoggerMessages.Value.Select(e => (e.Id, Where: $"{e.Name} ({e.Method.DeclaringType!.FullName}, {e.Method.DeclaringType.Assembly.GetName().Name})"))
            .Concat(AdHocEvents().Select(e => (e.Id, Where: $"{e.Name} ({e.File})")))
            .ToList();

        var shared = all.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Where))}").ToList();

        all.Should().HaveCountGreaterThan(50, "the core, the gateway and Redis declare some eighty events between them");
        shared.Should().BeEmpty("an event id is never reused: a log query or an alert on an id must mean one event");
    }

    [Fact]
    public void Every_LoggerMessage_of_the_sources_is_in_an_assembly_this_test_reads()
    {
        int inSources = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Sum(f => LoggerMessageUse().Count(File.ReadAllText(f)));

        LoggerMessages.Value.Should().HaveCount(inSources, "an assembly declaring events must be in LogEventCatalogueTests.Assemblies, or its ids go unchecked");
    }

    [Fact]
    public void Each_event_telemetry_md_names_is_declared_with_that_id_name_and_level()
    {
        var rows = CatalogueRow().Matches(File.ReadAllText(Path.Combine(Root, "docs", "telemetry.md")))
            .Select(m => (Id: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Name: m.Groups[2].Value, Level: m.Groups[3].Value))
            .ToList();
        var declared = LoggerMessages.Value.ToDictionary(e => e.Id);

        rows.Should().HaveCountGreaterThan(30);
        rows.Select(r => declared.TryGetValue(r.Id, out var e) ? $"{e.Id} {e.Name} {e.Level}" : $"{r.Id}: not declared")
            .Should().Equal(rows.Select(r => $"{r.Id} {r.Name} {r.Level}"));
    }

    [Theory]
    [InlineData(1100, "RateLimitRejected", LogLevel.Debug, "RateLimiting.RateLimitingLog", "Rate-limit policy '{Policy}' rejected a request to {Path}: limit '{Limit}' exhausted, retry after {RetryAfter}.")]
    [InlineData(1101, "RequestShed", LogLevel.Debug, "RateLimiting.RateLimitingLog", "Load shedding rejected a request to {Path}: {InFlight} in flight, limit {Limit}.")]
    [InlineData(1300, "AuthenticationFailed", LogLevel.Debug, "Authentication.AuthenticationLog", "Scheme '{Scheme}': authentication failed ({Reason}).")]
    [InlineData(1301, "RevokedApiKeyUsed", LogLevel.Warning, "Authentication.AuthenticationLog", "Scheme '{Scheme}': revoked API key '{KeyId}' of client '{ClientId}' was presented.")]
    [InlineData(1302, "ApiKeyConfigurationInvalid", LogLevel.Error, "Authentication.AuthenticationLog", "Scheme '{Scheme}': an API key entry is ignored: {Error}")]
    [InlineData(1303, "ApiKeysLoaded", LogLevel.Information, "Authentication.AuthenticationLog", "Scheme '{Scheme}': {Count} API keys loaded from configuration.")]
    [InlineData(1304, "HmacReplayRejected", LogLevel.Warning, "Authentication.AuthenticationLog", "Scheme '{Scheme}': a request signed with key '{KeyId}' reused a nonce and was rejected as a replay.")]
    [InlineData(1305, "HmacNonceCacheFull", LogLevel.Warning, "Authentication.AuthenticationLog", "Scheme '{Scheme}': the nonce cache is full ({Capacity} nonces within the clock-skew window); signed requests are rejected until nonces expire.")]
    [InlineData(1306, "IdentityHeaderSkipped", LogLevel.Warning, "IdentityForwarding.IdentityForwardingLog", "Identity forwarding: header '{Header}' not set from claim '{ClaimType}': {Reason}.")]
    [InlineData(1307, "IncomingIdentityHeaderStripped", LogLevel.Debug, "IdentityForwarding.IdentityForwardingLog", "Identity forwarding: incoming header '{Header}' removed; only the gateway sets it.")]
    [InlineData(1308, "AuthorizationConfigurationRejected", LogLevel.Error, "Authorization.AuthorizationLog", "EdgeKit authorization policies reload rejected; the previous policies stay in force. {Error}")]
    public void An_event_only_the_gateway_raises_is_declared_in_the_gateways_feature_with_its_message_unchanged(int id, string name, LogLevel level, string type, string message)
    {
        var declared = LoggerMessages.Value.Should().ContainSingle(e => e.Id == id).Subject;

        declared.Method.DeclaringType!.FullName.Should().Be("EdgeKit.AspNetCore." + type);
        (declared.Name, declared.Level, declared.Message).Should().Be((name, level, message));
    }

    private static List<Declared> FindLoggerMessages()
    {
        var found = new List<Declared>();
        foreach (var type in Assemblies.SelectMany(a => a.GetTypes()))
        {
            foreach (var method in type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                {
                    found.Add(new Declared(attribute.EventId, attribute.EventName ?? method.Name, attribute.Level, attribute.Message, method));
                }
            }
        }

        return found;
    }

    private static IEnumerable<(int Id, string Name, string File)> AdHocEvents() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .SelectMany(f => NewEventId().Matches(File.ReadAllText(f)).Select(m =>
                (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value, Path.GetRelativePath(Root, f).Replace('\\', '/'))));

    private static bool IsBuildOutput(string file)
    {
        var parts = Path.GetRelativePath(Root, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Contains("obj") || parts.Contains("bin");
    }

    [GeneratedRegex(@"\[LoggerMessage\(")]
    private static partial Regex LoggerMessageUse();

    [GeneratedRegex(@"new EventId\((\d+),\s*""(\w+)""\)")]
    private static partial Regex NewEventId();

    // A row of the Logs table that names one event: "| 1300 | AuthenticationFailed (scheme, reason word) | Debug |".
    [GeneratedRegex(@"^\| (\d{4}) \| (\w+)[^|]*\| (\w+)", RegexOptions.Multiline)]
    private static partial Regex CatalogueRow();

    private sealed record Declared(int Id, string Name, LogLevel Level, string? Message, MethodInfo Method);
}
