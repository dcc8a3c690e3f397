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

    /// <summary>
    /// Random interleavings of requests, answers (from a shared sequence), completions and
    /// observations: the position never passes an allocation in flight or a request's floor,
    /// never goes back, and once everything is finished it reaches the highest value handed out.
    /// </summary>
    [Test]
    public void ThePositionNeverPassesWorkInFlightAndCatchesUpWhenIdle()
    {
        Gen.Int[0, 3].Array[1, 80].Sample(operations =>
        {
            var tracker = new WriterPositionTracker(0);
            long sequence = 0;
            var requests = new List<SequenceRequest>();
            var inFlight = new List<long>();
            long last = 0;
            var step = 0;
            foreach (var operation in operations)
            {
                step++;
                switch (operation)
                {
                    case 0:
                        requests.Add(tracker.BeginRequest());
                        break;
                    case 1 when requests.Count > 0:
                        var request = requests[step % requests.Count];
                        requests.Remove(request);
                        var value = ++sequence;
                        tracker.EndRequest(request, [value]);
                        inFlight.Add(value);
                        break;
                    case 2 when inFlight.Count > 0:
                        var finished = inFlight[step % inFlight.Count];
                        inFlight.Remove(finished);
                        tracker.Finish([finished]);
                        break;
                    default:
                        // Another writer allocated and announced.
                        tracker.Observe(++sequence);
                        break;
                }
                var position = tracker.Position;
                if (position < last)
                    return false;
                if (inFlight.Count > 0 && position >= inFlight.Min())
                    return false;
                if (requests.Count > 0 && position > requests.Min(r => r.Floor))
                    return false;
                last = position;
            }
            foreach (var request in requests)
                tracker.FailRequest(request);
            tracker.Finish(inFlight);
            return tracker.Position == sequence;
        });
    }
}
