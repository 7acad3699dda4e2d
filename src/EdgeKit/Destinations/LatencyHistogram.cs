using System.Numerics;

namespace EdgeKit.Destinations;

/// <summary>
/// Cumulative counts of request latencies in log-linear buckets (four per power of two of microseconds, so a bucket is
/// at most 25% wide): enough to read p50 and p99 to within a quarter, for a dashboard or a status API. Recording is
/// one interlocked increment, no lock and no allocation. Readers take two copies some time apart and compare them to
/// get the distribution of that window (<see cref="Percentile"/>).
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>The number of buckets.</summary>
    public const int BucketCount = 128;

    private readonly long[] _counts = new long[BucketCount];
    private readonly double _microsecondsPerTick;

    /// <summary>Creates an empty histogram for durations measured in ticks of <paramref name="timestampFrequency"/> per second.</summary>
    /// <param name="timestampFrequency">Ticks per second (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestampFrequency"/> is not positive.</exception>
    public LatencyHistogram(long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _microsecondsPerTick = 1_000_000d / timestampFrequency;
    }

    /// <summary>Records one duration.</summary>
    /// <param name="elapsedTicks">The duration in timestamp ticks.</param>
    public void Record(long elapsedTicks)
    {
        long microseconds = elapsedTicks <= 0 ? 0 : (long)(elapsedTicks * _microsecondsPerTick);
        Interlocked.Increment(ref _counts[BucketOf(microseconds)]);
    }

    /// <summary>Copies the cumulative counts.</summary>
    /// <param name="destination">At least <see cref="BucketCount"/> long.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyCounts(Span<long> destination)
    {
        if (destination.Length < BucketCount)
        {
            throw new ArgumentException($"The destination must hold {BucketCount} counts.", nameof(destination));
        }

        for (int i = 0; i < BucketCount; i++)
        {
            destination[i] = Volatile.Read(ref _counts[i]);
        }
    }

    /// <summary>The bucket a duration of <paramref name="microseconds"/> falls in.</summary>
    public static int BucketOf(long microseconds)
    {
        if (microseconds < 4)
        {
            return (int)Math.Max(0, microseconds);
        }

        int exponent = BitOperations.Log2((ulong)microseconds);
        int sub = (int)(microseconds >> (exponent - 2)) - 4;
        int index = 4 + ((exponent - 2) * 4) + sub;
        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>The smallest duration, in microseconds, that falls in bucket <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a bucket.</exception>
    public static long LowerBoundMicroseconds(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BucketCount);
        if (index < 4)
        {
            return index;
        }

        int exponent = ((index - 4) / 4) + 2;
        int sub = (index - 4) % 4;
        return (4L + sub) << (exponent - 2);
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0–1) of the durations recorded between two copies of the counts, as the upper
    /// bound of the bucket it falls in; <see langword="null"/> when nothing was recorded in between.
    /// </summary>
    /// <param name="before">The earlier copy (or zeros for everything since the start).</param>
    /// <param name="after">The later copy.</param>
    /// <param name="quantile">For example 0.5 or 0.99.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantile"/> is outside 0–1.</exception>
    public static TimeSpan? Percentile(ReadOnlySpan<long> before, ReadOnlySpan<long> after, double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        long total = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            total += after[i] - before[i];
        }

        if (total <= 0)
        {
            return null;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += after[i] - before[i];
            if (seen >= rank)
            {
                long upper = i + 1 < BucketCount ? LowerBoundMicroseconds(i + 1) : LowerBoundMicroseconds(i) * 2;
                return TimeSpan.FromMicroseconds(upper);
            }
        }

        return null;
    }
}
