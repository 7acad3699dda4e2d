using EdgeKit.AspNetCore.Forwarding;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Forwarding;

/// <summary>
/// The per-request timeout without progress, on the fake clock: exact deadlines, progress pushing them back, and a
/// pooled source whose timer stays armed between requests never cancelling a later request early or late.
/// </summary>
public sealed class ActivityTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_request_without_progress_is_cancelled_exactly_at_its_timeout()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        using var timer = pool.Rent(Timeout, CancellationToken.None);

        time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        timer.Token.IsCancellationRequested.Should().BeFalse();

        time.Advance(TimeSpan.FromMilliseconds(1));
        timer.Token.IsCancellationRequested.Should().BeTrue();
        timer.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void Progress_pushes_the_deadline_a_full_timeout_from_the_last_progress()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        using var timer = pool.Rent(Timeout, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(8));
        timer.Touch();
        time.Advance(TimeSpan.FromSeconds(8));
        timer.Token.IsCancellationRequested.Should().BeFalse("8 s passed since the last progress, not 10");

        time.Advance(TimeSpan.FromSeconds(2));
        timer.Token.IsCancellationRequested.Should().BeTrue();
        timer.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void The_client_going_away_cancels_without_counting_as_a_timeout()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        using var client = new CancellationTokenSource();
        using var timer = pool.Rent(Timeout, client.Token);

        client.Cancel();

        timer.Token.IsCancellationRequested.Should().BeTrue();
        timer.TimedOut.Should().BeFalse();
    }

    [Fact]
    public void A_reused_source_keeps_the_earlier_arming_yet_cancels_the_new_request_at_its_own_deadline()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        var first = pool.Rent(Timeout, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(4));
        first.Dispose();

        // Armed for t=10 by the first request; the second starts at t=4 and must time out at t=14, not at t=10.
        using var second = pool.Rent(Timeout, CancellationToken.None);
        second.Should().BeSameAs(first);
        second.Uses.Should().Be(2);
        time.Advance(TimeSpan.FromSeconds(6));
        second.Token.IsCancellationRequested.Should().BeFalse("the first request's arming fires at t=10, four seconds early for this one");

        time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(1));
        second.Token.IsCancellationRequested.Should().BeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));
        second.Token.IsCancellationRequested.Should().BeTrue();
        second.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void A_reused_source_armed_for_a_longer_timeout_is_re_armed_for_a_shorter_one()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        var first = pool.Rent(TimeSpan.FromSeconds(100), CancellationToken.None);
        first.Dispose();

        using var second = pool.Rent(TimeSpan.FromSeconds(2), CancellationToken.None);
        second.Should().BeSameAs(first);
        time.Advance(TimeSpan.FromSeconds(2));

        second.Token.IsCancellationRequested.Should().BeTrue("a timer left armed for 100 s must not delay a 2 s timeout");
        second.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void An_idle_pooled_source_whose_timer_fires_is_re_armed_by_the_next_request()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        var first = pool.Rent(Timeout, CancellationToken.None);
        first.Dispose();

        // The first arming fires while the source sits in the pool: nothing is cancelled and the timer is left unarmed.
        time.Advance(TimeSpan.FromSeconds(30));

        using var second = pool.Rent(Timeout, CancellationToken.None);
        second.Should().BeSameAs(first);
        second.Token.IsCancellationRequested.Should().BeFalse();
        time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        second.Token.IsCancellationRequested.Should().BeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));
        second.Token.IsCancellationRequested.Should().BeTrue("the source was armed again for this request");
    }

    [Fact]
    public void A_request_that_timed_out_leaves_a_clean_source_for_the_next_one()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        var first = pool.Rent(Timeout, CancellationToken.None);
        time.Advance(Timeout);
        first.TimedOut.Should().BeTrue();
        first.Dispose();

        using var second = pool.Rent(Timeout, CancellationToken.None);
        second.Token.IsCancellationRequested.Should().BeFalse();
        second.TimedOut.Should().BeFalse();
        time.Advance(Timeout);
        second.Token.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public void Restart_switches_to_another_timeout_counted_from_now()
    {
        var time = new FakeTimeProvider();
        var pool = new ActivityTimeout.Pool(time);
        using var timer = pool.Rent(Timeout, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(5));
        timer.Restart(TimeSpan.FromSeconds(60));
        time.Advance(TimeSpan.FromSeconds(59));
        timer.Token.IsCancellationRequested.Should().BeFalse("the first arming fires at t=10 and re-arms for the idle timeout");
        time.Advance(TimeSpan.FromSeconds(1));
        timer.Token.IsCancellationRequested.Should().BeTrue();
    }
}
