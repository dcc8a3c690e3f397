using Cluster.Replication.Streams;
using CsCheck;

namespace Cluster.Replication.Tests.Streams;

public class WriterPositionTrackerTests
{
    private static WriterPositionTracker TrackerWithInFlight(long start, params long[] positions)
    {
        var tracker = new WriterPositionTracker(start);
        var request = tracker.BeginRequest();
        tracker.EndRequest(request, positions);
        return tracker;
    }

    [Test]
    public void PositionStaysBelowTheLowestAllocationStillInFlight()
    {
        var tracker = TrackerWithInFlight(0, 1, 2, 3);

        tracker.Finish([3]);
        Assert.That(tracker.Position, Is.Zero);
        tracker.Finish([1]);
        Assert.That(tracker.Position, Is.EqualTo(1));
        tracker.Finish([2]);
        Assert.That(tracker.Position, Is.EqualTo(3));
    }

    [Test]
    public void RolledBackAllocationsDoNotStallThePosition()
    {
        var tracker = TrackerWithInFlight(10, 11, 12);

        // 11 rolled back, 12 committed: both finished, neither holds the writer.
        var moved = tracker.Finish([11, 12]);

        Assert.That(moved, Is.True);
        Assert.That(tracker.Position, Is.EqualTo(12));
    }

    [Test]
    public void AnnouncementsAreReadFromTheDatabaseAfterAWritingRequestFailedUnanswered()
    {
        var tracker = new WriterPositionTracker(10);
        var failed = tracker.BeginRequest();

        tracker.FailRequestWithUnknownOutcome(failed);

        Assert.That(tracker.TakeUnknownRows(10), Is.False, "nothing at or below the floor is in doubt");
        Assert.That(tracker.TakeUnknownRows(11), Is.True);
        Assert.That(tracker.TakeUnknownRows(50), Is.True, "until a value drawn after the failure is announced");
    }

    [Test]
    public void RowsOfUnknownPositionAreCoveredOnceAValueDrawnAfterTheFailureIsAnnounced()
    {
        var tracker = new WriterPositionTracker(10);
        tracker.FailRequestWithUnknownOutcome(tracker.BeginRequest());
        var later = tracker.BeginRequest();
        tracker.EndRequest(later, [20]);
        tracker.Finish([20]);

        Assert.That(tracker.TakeUnknownRows(19), Is.True);
        Assert.That(tracker.TakeUnknownRows(20), Is.True, "the announcement that reaches it is the last one read from the database");
        Assert.That(tracker.TakeUnknownRows(21), Is.False);
    }

    [Test]
    public void ARequestBegunBeforeTheFailureDoesNotCoverItsRows()
    {
        var tracker = new WriterPositionTracker(10);
        var earlier = tracker.BeginRequest();
        tracker.FailRequestWithUnknownOutcome(tracker.BeginRequest());
        // Begun first, it may have drawn a value below the failed request's.
        tracker.EndRequest(earlier, [12]);
        tracker.Finish([12]);

        tracker.TakeUnknownRows(12);

        Assert.That(tracker.TakeUnknownRows(13), Is.True);
    }

    [Test]
    public void AnIdleWriterAdvancesToWhatOthersHaveAnnounced()
    {
        var tracker = new WriterPositionTracker(5);

        Assert.That(tracker.Observe(40), Is.True);

        Assert.That(tracker.Position, Is.EqualTo(40));
    }

    [Test]
    public void AWriterWithRowsInFlightAdvancesOnlyToJustBelowThem()
    {
        var tracker = TrackerWithInFlight(5, 7);

        tracker.Observe(40);

        Assert.That(tracker.Position, Is.EqualTo(6));
        tracker.Finish([7]);
        Assert.That(tracker.Position, Is.EqualTo(40));
    }

    [Test]
    public void ASequenceRequestOnTheWireHoldsThePositionAtWhatWasKnownWhenItStarted()
    {
        // The request may come back with any value above 5, even after others announce 40.
        var tracker = new WriterPositionTracker(5);
        var request = tracker.BeginRequest();

        tracker.Observe(40);
        Assert.That(tracker.Position, Is.EqualTo(5));

        tracker.EndRequest(request, [30]);
        Assert.That(tracker.Position, Is.EqualTo(29));
        tracker.Finish([30]);
        Assert.That(tracker.Position, Is.EqualTo(40));
    }

    [Test]
    public void AFailedSequenceRequestReleasesThePosition()
    {
        var tracker = new WriterPositionTracker(5);
        var request = tracker.BeginRequest();
        tracker.Observe(40);

        Assert.That(tracker.FailRequest(request), Is.True);

        Assert.That(tracker.Position, Is.EqualTo(40));
    }

    [Test]
    public void TheSequenceReturningAValueItHadAlreadyHandedOutIsRejected()
    {
        var tracker = new WriterPositionTracker(5);
        tracker.Observe(40);
        var request = tracker.BeginRequest();

        Assert.Throws<InvalidOperationException>(() => tracker.EndRequest(request, [39]));
    }

    [Test]
    public void EndingARequestTwiceIsRejected()
    {
        var tracker = new WriterPositionTracker(0);
        var request = tracker.BeginRequest();
        tracker.EndRequest(request, [1]);

        Assert.Throws<InvalidOperationException>(() => tracker.EndRequest(request, [2]));
    }

    [Test]
    public void ANegativeStartIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new WriterPositionTracker(-1));

    [Test]
    public void AWriteFinishedWhileALaterRequestIsOnTheWireIsNotHeldBackByIt()
    {
        var tracker = new WriterPositionTracker(10);
        var first = tracker.BeginRequest();
        var second = tracker.BeginRequest();
        tracker.EndRequest(first, [11]);

        tracker.Finish([11]);

        // The second request cannot come back with 11, which the first drew.
        Assert.That(tracker.Position, Is.EqualTo(11));
        tracker.EndRequest(second, [12]);
        tracker.Finish([12]);
        Assert.That(tracker.Position, Is.EqualTo(12));
    }

    [Test]
    public void ARequestOnTheWireStillHoldsThePositionBelowAValueItMayHaveDrawn()
    {
        var tracker = new WriterPositionTracker(10);
        var first = tracker.BeginRequest();
        var second = tracker.BeginRequest();
        tracker.EndRequest(first, [12]);

        tracker.Finish([12]);

        // 11 was handed out to someone: perhaps the second request.
        Assert.That(tracker.Position, Is.EqualTo(10));
        tracker.EndRequest(second, [11]);
        tracker.Finish([11]);
        Assert.That(tracker.Position, Is.EqualTo(12));
    }

    /// <summary>
    /// Random interleavings of requests, values drawn from a shared sequence (a request draws at
    /// any moment while on the wire, and learns its value only when answered), completions and
    /// other writers' announcements: the position never reaches a value we drew and have not
    /// finished, never goes back, and once everything is finished it reaches the highest value
    /// handed out.
    /// </summary>
    [Test]
    public void ThePositionNeverPassesWorkInFlightAndCatchesUpWhenIdle()
    {
        Gen.Int[0, 4].Array[1, 80].Sample(operations =>
        {
            var tracker = new WriterPositionTracker(0);
            long sequence = 0;
            var requests = new List<(SequenceRequest Request, long? Drawn)>();
            var inFlight = new List<long>();
            long last = 0;
            var step = 0;
            foreach (var operation in operations)
            {
                step++;
                switch (operation)
                {
                    case 0:
                        requests.Add((tracker.BeginRequest(), null));
                        break;
                    case 1 when requests.Any(r => r.Drawn is null):
                        var undrawn = requests.Where(r => r.Drawn is null).ToList();
                        var drawing = undrawn[step % undrawn.Count];
                        requests[requests.IndexOf(drawing)] = drawing with { Drawn = ++sequence };
                        break;
                    case 2 when requests.Any(r => r.Drawn is not null):
                        var drawn = requests.Where(r => r.Drawn is not null).ToList();
                        var answered = drawn[step % drawn.Count];
                        requests.Remove(answered);
                        tracker.EndRequest(answered.Request, [answered.Drawn!.Value]);
                        inFlight.Add(answered.Drawn.Value);
                        break;
                    case 3 when inFlight.Count > 0:
                        var finished = inFlight[step % inFlight.Count];
                        inFlight.Remove(finished);
                        tracker.Finish([finished]);
                        break;
                    default:
                        // Another writer drew and announced.
                        tracker.Observe(++sequence);
                        break;
                }
                var position = tracker.Position;
                if (position < last)
                    return false;
                var unfinished = inFlight.Concat(requests.Where(r => r.Drawn is not null).Select(r => r.Drawn!.Value)).ToList();
                if (unfinished.Count > 0 && position >= unfinished.Min())
                    return false;
                last = position;
            }
            foreach (var (request, drawn) in requests)
                if (drawn is { } value)
                {
                    tracker.EndRequest(request, [value]);
                    tracker.Finish([value]);
                }
                else
                    tracker.FailRequest(request);
            tracker.Finish(inFlight);
            return tracker.Position == sequence;
        }, iter: 20_000);
    }
}
