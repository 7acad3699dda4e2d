using System.Diagnostics;
using System.Globalization;
using CsCheck;
using EdgeKit.Caching;
using EdgeKit.PropertyTesting;

namespace EdgeKit.Tests.Caching;

/// <summary>Properties of the hand-written Cache-Control parser (RFC 9111 §5.2) on any input.</summary>
public sealed class CacheControlPropertyTests
{
    private static readonly TimeSpan s_maxDelta = TimeSpan.FromSeconds(2147483648);

    private static readonly string[] s_directives =
    [
        "max-age", "s-maxage", "no-cache", "no-store", "private", "public", "must-revalidate", "proxy-revalidate",
        "max-stale", "min-fresh", "stale-while-revalidate", "stale-if-error", "only-if-cached", "x-ext",
    ];

    [Fact]
    public void Parse_never_throws_and_every_duration_is_within_delta_seconds_range()
    {
        Gen.OneOf<string>(HostileText.Mixed([.. s_directives, "=", ",", "\"", "=\"", "\\\""]), HostileText.String()).Sample(text =>
        {
            var cc = CacheControl.Parse(text);
            foreach (var duration in new[] { cc.MaxAge, cc.SharedMaxAge, cc.MinFresh, cc.StaleWhileRevalidate, cc.StaleIfError })
            {
                if (duration is { } d && (d < TimeSpan.Zero || d > s_maxDelta))
                {
                    throw new InvalidOperationException($"duration {d} out of range for '{text}'");
                }
            }

            if (cc.MaxStale is { } maxStale && maxStale != TimeSpan.MaxValue && (maxStale < TimeSpan.Zero || maxStale > s_maxDelta))
            {
                throw new InvalidOperationException($"max-stale {maxStale} out of range for '{text}'");
            }
        }, iter: HostileText.Iterations);
    }

    /// <summary>A well-formed list of directives, each written in any case with optional whitespace, reads as a simple reference model says.</summary>
    [Fact]
    public void Parse_agrees_with_a_reference_model_on_well_formed_lists()
    {
        var argument = Gen.Frequency<string?>(
            (2, Gen.Const<string?>((string?)null)),
            (4, Gen.Long[0, long.MaxValue].Select(v => (string?)v.ToString(CultureInfo.InvariantCulture))),
            (2, Gen.Int[0, 999999].Select(v => (string?)("\"" + v.ToString(CultureInfo.InvariantCulture) + "\""))),
            (1, Gen.Const<string?>("\"Set-Cookie, X-A\"")),
            (1, Gen.Const<string?>("12a")),
            (1, Gen.Const<string?>("-5")),
            (1, Gen.Const<string?>("")),
            (1, Gen.Const<string?>("99999999999999999999999")));
        var directive = Gen.Select(Gen.OneOf(s_directives), argument, Gen.Bool, Gen.OneOf("", " ", "\t"));
        directive.Array[0, 8].Sample(list =>
        {
            string text = string.Join(",", list.Select(d =>
                d.Item4 + (d.Item3 ? d.Item1.ToUpperInvariant() : d.Item1) + (d.Item2 is null ? "" : "=" + d.Item2) + d.Item4));
            var cc = CacheControl.Parse(text);
            var expected = Reference(list.Select(d => (Name: d.Item1, Argument: (string?)d.Item2)).ToArray());
            var actual = Describe(cc);
            if (actual != expected)
            {
                throw new InvalidOperationException($"'{text}': expected {expected}, got {actual}");
            }
        }, iter: HostileText.Iterations);
    }

    [Fact]
    public void Parse_is_linear_on_huge_inputs()
    {
        var clock = Stopwatch.StartNew();
        foreach (string text in HostileText.Huge(",", "\"", "max-age=1,", "a=\"\\", "no-cache=\"a,b\", ", "max-age=" + new string('9', 50)))
        {
            _ = CacheControl.Parse(text);
        }

        // Six 1 MiB inputs: linear work is a few milliseconds each; a quadratic parser would take hours.
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    private static string Reference((string Name, string? Argument)[] list)
    {
        TimeSpan? maxAge = null, sMaxAge = null, maxStale = null, minFresh = null, swr = null, sie = null;
        bool noCache = false, noStore = false, isPrivate = false, isPublic = false, mustRevalidate = false, proxyRevalidate = false, onlyIfCached = false;
        foreach (var (name, rawArgument) in list)
        {
            string? argument = rawArgument is { Length: >= 2 } quoted && quoted[0] == '"' && quoted[^1] == '"' ? quoted[1..^1] : rawArgument;
            TimeSpan? delta = argument is { Length: > 0 } && argument.All(char.IsAsciiDigit)
                ? (argument.Length > 10 ? s_maxDelta : TimeSpan.FromSeconds(Math.Min(long.Parse(argument, CultureInfo.InvariantCulture), 2147483648)))
                : null;
            switch (name)
            {
                case "max-age": maxAge ??= delta ?? TimeSpan.Zero; break;
                case "s-maxage": sMaxAge ??= delta ?? TimeSpan.Zero; break;
                case "max-stale": maxStale ??= rawArgument is null ? TimeSpan.MaxValue : delta; break;
                case "min-fresh": minFresh ??= delta; break;
                case "stale-while-revalidate": swr ??= delta; break;
                case "stale-if-error": sie ??= delta; break;
                case "no-cache": noCache = true; break;
                case "no-store": noStore = true; break;
                case "private": isPrivate = true; break;
                case "public": isPublic = true; break;
                case "must-revalidate": mustRevalidate = true; break;
                case "proxy-revalidate": proxyRevalidate = true; break;
                case "only-if-cached": onlyIfCached = true; break;
            }
        }

        return Format(maxAge, sMaxAge, maxStale, minFresh, swr, sie, noCache, noStore, isPrivate, isPublic, mustRevalidate, proxyRevalidate, onlyIfCached);
    }

    private static string Describe(CacheControl cc) => Format(cc.MaxAge, cc.SharedMaxAge, cc.MaxStale, cc.MinFresh, cc.StaleWhileRevalidate,
        cc.StaleIfError, cc.NoCache, cc.NoStore, cc.Private, cc.Public, cc.MustRevalidate, cc.ProxyRevalidate, cc.OnlyIfCached);

    private static string Format(params object?[] values) => string.Join("|", values.Select(v => v?.ToString() ?? "-"));
}
