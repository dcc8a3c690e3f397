using Cluster.Replication.Notifier;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Notifier;

public class StreamNotifierTests
{
    private static StreamPositionVector Vector(long minimum, params (int Writer, long Position)[] ahead) =>
        StreamPositionVector.Create(minimum, ahead.Select(a => new WriterPosition(a.Writer, a.Position)));

    [Test]
    public void AWaitForPositionsAlreadyReachedCompletesAtOnce()
    {
        var notifier = new StreamNotifier();
        notifier.Advance("events", Vector(10));

        Assert.That(notifier.WaitUntilReachedAsync("events", Vector(10), CancellationToken.None).IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void AWaiterWakesWhenEveryWriterReachesTheTargetAndNotBefore()
    {
        var notifier = new StreamNotifier();
        notifier.Advance("events", Vector(5));
        var waiting = notifier.WaitUntilReachedAsync("events", Vector(8, (2, 12)), CancellationToken.None);

        notifier.Advance("events", Vector(8, (1, 9)));
        Assert.That(waiting.IsCompleted, Is.False, "writer 2 is still at 8");
        notifier.Advance("events", Vector(8, (1, 9), (2, 11)));
        Assert.That(waiting.IsCompleted, Is.False, "writer 2 is still at 11");
        notifier.Advance("events", Vector(8, (1, 9), (2, 12)));
        Assert.That(waiting.IsCompletedSuccessfully, Is.True);
        Assert.That(notifier.WaiterCount, Is.Zero);
    }

    [Test]
    public void ALongPollWakesOnlyWhenSomeWriterPassesItsToken()
    {
        var notifier = new StreamNotifier();
        var since = new Dictionary<string, StreamPositionVector> { ["events"] = Vector(10, (3, 14)), ["typing"] = Vector(2) };
        notifier.Advance("events", Vector(10, (3, 14)));
        var waiting = notifier.WaitForAnyBeyondAsync(since, CancellationToken.None);

        notifier.Advance("typing", Vector(2));
        notifier.Advance("receipts", Vector(50));
        Assert.That(waiting.IsCompleted, Is.False, "nothing past the token, and receipts are not watched");
        notifier.Advance("events", Vector(10, (3, 14), (4, 11)));
        Assert.That(waiting.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void AStreamNeverReportedDoesNotWakeALongPoll()
    {
        var notifier = new StreamNotifier();
        var waiting = notifier.WaitForAnyBeyondAsync(new Dictionary<string, StreamPositionVector> { ["events"] = Vector(0) }, CancellationToken.None);

        notifier.Advance("typing", Vector(1));

        Assert.That(waiting.IsCompleted, Is.False);
    }

    [Test]
    public void PositionsThatGoBackAreIgnored()
    {
        var notifier = new StreamNotifier();
        notifier.Advance("events", Vector(10));

        notifier.Advance("events", Vector(7));

        Assert.That(notifier.Current["events"], Is.EqualTo(Vector(10)));
    }

    [Test]
    public void CancellingAWaitRemovesIt()
    {
        var notifier = new StreamNotifier();
        using var cancel = new CancellationTokenSource();
        var waiting = notifier.WaitUntilReachedAsync("events", Vector(1), cancel.Token);

        cancel.Cancel();

        Assert.That(waiting.IsCanceled, Is.True);
        Assert.That(notifier.WaiterCount, Is.Zero);
    }

    [Test]
    public void AConditionThatThrowsFailsItsOwnWaitOnly()
    {
        var notifier = new StreamNotifier();
        var calls = 0;
        var broken = notifier.WaitForAsync(_ => ++calls > 1 ? throw new InvalidOperationException("broken") : false, CancellationToken.None);
        var fine = notifier.WaitUntilReachedAsync("events", Vector(1), CancellationToken.None);

        notifier.Advance("events", Vector(1));

        Assert.That(broken.IsFaulted, Is.True);
        Assert.That(fine.IsCompletedSuccessfully, Is.True);
        Assert.That(notifier.WaiterCount, Is.Zero);
    }

    /// <summary>
    /// Waiters register while another thread advances: each must wake (none lost between its
    /// check and its registration), and none before its position is reached.
    /// </summary>
    [Test]
    public async Task NoWakeUpIsLostWhenWaitersRegisterWhilePositionsAdvance()
    {
        const int count = 2000;
        var notifier = new StreamNotifier();
        notifier.Advance("events", Vector(0));
        var early = 0;
        var waits = new Task[count];
        var advancing = Task.Run(() =>
        {
            for (var position = 1; position <= count; position++)
                notifier.Advance("events", Vector(position));
        });
        for (var i = 0; i < count; i++)
        {
            var target = i + 1;
            waits[i] = notifier.WaitUntilReachedAsync("events", Vector(target), CancellationToken.None)
                .ContinueWith(_ =>
                {
                    if (notifier.Current["events"].Minimum < target)
                        Interlocked.Increment(ref early);
                }, TaskScheduler.Default);
        }
        await advancing;

        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(early, Is.Zero);
    }
}
