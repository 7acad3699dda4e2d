using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace EdgeKit.Benchmarks.Gateway;

/// <summary>
/// For investigating, not measuring: when <c>GWBENCH_ALLOC_TYPES=1</c>, listens in process to the runtime's
/// <c>GCAllocationTick</c> events (one each time about 100 KB has been allocated, naming the type of the object that
/// crossed the mark) and sums their amounts by type, so <c>GET /__alloc/types</c> shows which types make up the
/// allocated bytes. The sampling is proportional to bytes; with a few thousand samples the shares are good to a few
/// percent. The listener itself costs CPU, so run.sh never turns it on.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;
    private const long GcKeyword = 0x1;
    private static AllocationSampler? s_instance;
    private readonly ConcurrentDictionary<string, (long Bytes, long Samples)> _byType = new(StringComparer.Ordinal);

    public static bool Enabled => Environment.GetEnvironmentVariable("GWBENCH_ALLOC_TYPES") == "1";

    public static void StartIfEnabled()
    {
        if (Enabled)
        {
            s_instance ??= new AllocationSampler();
        }
    }

    public static string Report(bool reset)
    {
        if (s_instance is null)
        {
            return "allocation sampling is off (set GWBENCH_ALLOC_TYPES=1)\n";
        }

        var entries = s_instance._byType.ToArray();
        if (reset)
        {
            s_instance._byType.Clear();
        }

        long total = entries.Sum(e => e.Value.Bytes);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"sampled_bytes {total}\n");
        foreach (var (type, (bytes, samples)) in entries.OrderByDescending(e => e.Value.Bytes))
        {
            text.Append(CultureInfo.InvariantCulture, $"{100.0 * bytes / Math.Max(total, 1),6:F2}% {samples,6} {type}\n");
        }

        return text.ToString();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId != AllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        int typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        int amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        string type = typeIndex >= 0 ? eventData.Payload[typeIndex] as string ?? "?" : "?";
        long amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture) : 100_000;
        _byType.AddOrUpdate(type, (amount, 1), (_, old) => (old.Bytes + amount, old.Samples + 1));
    }
}
