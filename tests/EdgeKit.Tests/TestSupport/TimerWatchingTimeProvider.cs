using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that lets a test wait until a timer with a given due time exists, so that it
/// never advances the clock before the code under test (on another thread) has started waiting on it.
/// </summary>
internal sealed class TimerWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly List<TimeSpan> _dueTimes = [];
    private readonly SemaphoreSlim _created = new(0);

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_dueTimes)
        {
            _dueTimes.Add(dueTime);
        }

        _created.Release();
        return timer;
    }

    /// <summary>Waits until <paramref name="occurrence"/> timers due <paramref name="dueTime"/> after their creation have been created in all.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, int occurrence = 1)
    {
        var deadline = DateTime.UtcNow + FakeTerminalHandler.WaitLimit;
        while (true)
        {
            lock (_dueTimes)
            {
                if (_dueTimes.Count(d => d == dueTime) >= occurrence)
                {
                    return;
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _created.WaitAsync(left))
            {
                throw new TimeoutException($"No timer due in {dueTime} was created (occurrence {occurrence}).");
            }
        }
    }
}
