using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeKit.AspNetCore.Authentication;
using EdgeKit.Auth;

namespace EdgeKit.Benchmarks;

/// <summary>
/// Finding a presented API key among configured hashes: EdgeKit's table (SHA-256 into a stack buffer, a frozen map by
/// the hash's first 8 bytes, a constant-time final comparison) against the straightforward way (hash, hex-encode,
/// look the string up in a dictionary).
/// </summary>
[MemoryDiagnoser]
public class ApiKeyLookupBenchmarks
{
    private Dictionary<string, ApiKeyRecord> _byHex = null!;
    private ApiKeyTable _table = null!;
    private string _key = null!;

    [Params(10, 1000)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new Dictionary<string, ApiKeyOptions>();
        _byHex = new Dictionary<string, ApiKeyRecord>(StringComparer.Ordinal);
        for (int i = 0; i < Keys; i++)
        {
            string key = $"ek_live_{i:D8}_0123456789abcdef0123";
            string hash = ApiKeyHash.Compute(key);
            options[$"k{i}"] = new ApiKeyOptions { Hash = hash, ClientId = $"client-{i}", Scopes = ["orders.read"] };
            ApiKeyHash.TryParse(hash, out var bytes);
            _byHex[hash] = new ApiKeyRecord($"k{i}", bytes, $"client-{i}", ["orders.read"]);
        }

        _table = ApiKeyTable.Build(options, []);
        _key = $"ek_live_{Keys / 2:D8}_0123456789abcdef0123";
    }

    [Benchmark(Baseline = true, Description = "hex string + Dictionary")]
    public ApiKeyRecord? HexDictionary() =>
        _byHex.TryGetValue(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_key))), out var record) ? record : null;

    [Benchmark(Description = "EdgeKit ApiKeyTable")]
    public ApiKeyRecord? EdgeKitTable()
    {
        Span<byte> hash = stackalloc byte[ApiKeyHash.SizeInBytes];
        ApiKeyHash.TryCompute(_key, hash);
        return _table.Find(hash)?.Record;
    }
}
