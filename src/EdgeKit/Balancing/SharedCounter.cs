using System.Runtime.InteropServices;

namespace EdgeKit.Balancing;

/// <summary>
/// A counter incremented by many threads, on a cache line of its own so that its traffic does not slow
/// neighbouring fields. Carried from picker to picker so a sequence continues across snapshots.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal sealed class SharedCounter
{
    [FieldOffset(64)]
    private int _value;

    public SharedCounter(int start = 0) => _value = start;

    /// <summary>Returns the current value and advances it by one (wrapping around).</summary>
    public uint Next() => (uint)Interlocked.Increment(ref _value) - 1;
}
