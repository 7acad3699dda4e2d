using System.Runtime.InteropServices;

namespace EdgeKit.RateLimiting;

/// <summary>
/// A counter that threads increment without fighting over one cache line (each thread hits one of a few padded
/// cells, chosen by its managed thread id); reading sums the cells. For statistics on a hot path shared by threads.
/// </summary>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells = new Cell[CellCount];

    private static int CellCount { get; } = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 2, 64));

    public void Increment() => Interlocked.Increment(ref _cells[Environment.CurrentManagedThreadId & (_cells.Length - 1)].Value);

    public long Sum()
    {
        long sum = 0;
        for (int i = 0; i < _cells.Length; i++)
        {
            sum += Volatile.Read(ref _cells[i].Value);
        }

        return sum;
    }

    // 128 bytes: a cell never shares a cache line (or an adjacent-line prefetch pair) with another.
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}
