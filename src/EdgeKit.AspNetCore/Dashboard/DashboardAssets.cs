using System.Collections.Frozen;
using System.Security.Cryptography;

namespace EdgeKit.AspNetCore.Dashboard;

/// <summary>The dashboard's files, embedded in the assembly and read once.</summary>
internal static class DashboardAssets
{
    private static readonly Lazy<FrozenDictionary<string, Asset>> s_assets = new(Load);

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Asset? asset) =>
        s_assets.Value.TryGetValue(name, out asset);

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var (name, contentType) in new[]
        {
            ("index.html", "text/html; charset=utf-8"),
            ("dashboard.js", "text/javascript; charset=utf-8"),
            ("dashboard.css", "text/css; charset=utf-8"),
        })
        {
            using var stream = assembly.GetManifestResourceStream("EdgeKit.Dashboard." + name)
                ?? throw new InvalidOperationException($"The dashboard asset '{name}' is missing from the assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            string etag = "\"" + Convert.ToHexString(SHA256.HashData(bytes), 0, 8) + "\"";
            assets[name] = new Asset(bytes, contentType, etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
