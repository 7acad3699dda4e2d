namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// A "random" source that always draws the lowest value: random strategies always choose the first destination
/// they are offered (d0 while it is available), so a retry must avoid it explicitly; jitter is always the smallest.
/// </summary>
internal sealed class FirstChoiceRandom : Random
{
    public override int Next() => 0;

    public override int Next(int maxValue) => 0;

    public override int Next(int minValue, int maxValue) => minValue;

    public override long NextInt64() => 0;

    public override long NextInt64(long maxValue) => 0;

    public override long NextInt64(long minValue, long maxValue) => minValue;

    public override double NextDouble() => 0;

    public override float NextSingle() => 0;

    public override void NextBytes(byte[] buffer) => Array.Clear(buffer);

    public override void NextBytes(Span<byte> buffer) => buffer.Clear();

    protected override double Sample() => 0;
}
