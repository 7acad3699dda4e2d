using System.Globalization;

namespace EdgeKit.Simulation;

/// <summary>Invariant text for durations and rates.</summary>
internal static class Format
{
    public static string Duration(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0 s";
        }

        if (value.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            return $"{(value.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)} s";
        }

        return value < TimeSpan.FromSeconds(1)
            ? $"{value.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms"
            : $"{value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
    }

    public static string Milliseconds(TimeSpan value) =>
        $"{value.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms";

    public static string Percent(double ratio) =>
        $"{(ratio * 100).ToString("0.000", CultureInfo.InvariantCulture)} %";
}
