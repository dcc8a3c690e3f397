namespace Cluster.Replication.Streams;

/// <summary>
/// One writer's bookkeeping for a multi-writer stream: which positions it has asked the
/// sequence for, which are still being written, and so how far its rows are known to be
/// persisted. Pure logic, no I/O, thread-safe.
/// </summary>
/// <remarks>
/// The writer's position P promises: every row this writer will ever have at or below P is
/// already committed. So P may not pass a position still in flight, nor what a sequence request
/// still on the wire may come back with: a value above every value the sequence had handed out
/// when the request started (the request's floor), and none it handed us since. So a request
/// holds P at its floor raised through the values just above it that we drew and finished; a
/// write is then not held back by one begun while it was on the wire (in one round trip the
/// request spans the whole write). Other than that P may rise to the highest sequence value
/// known to be handed out, by us or anyone: that is how an idle writer stops holding readers back.
/// </remarks>
public sealed class WriterPositionTracker
{
    private readonly Lock _lock = new();
    private readonly SortedSet<long> _inFlight = [];
    // Floors of sequence requests not yet answered, with multiplicity.
    private readonly SortedDictionary<long, int> _pendingFloors = [];
    // Values we drew and finished above the lowest pending floor: no request can come back with them.
    private readonly SortedSet<long> _finishedAboveFloor = [];
    private long _highestKnown;
    private long _position;
    // A request whose batch also wrote rows failed unanswered: rows may exist above this floor at
    // positions never learnt. Cleared once an announcement reaches _unknownCoveredAt, the first
    // value drawn by a request begun after the failure (the sequence only grows).
    private long? _unknownAbove;
    private long? _unknownCoveredAt;
    private int _failuresOfUnknownOutcome;

    /// <param name="position">The position to start from (persisted, or the sequence's current value).</param>
    public WriterPositionTracker(long position)
    {
        if (position < 0)
            throw new ArgumentOutOfRangeException(nameof(position), position, "Stream positions are never negative.");
        _position = position;
        _highestKnown = position;
    }

    /// <summary>Every row this writer has at or below this position is committed.</summary>
    public long Position
    {
        get { lock (_lock) return _position; }
    }

    /// <summary>The highest sequence value known to have been handed out.</summary>
    public long HighestKnown
    {
        get { lock (_lock) return _highestKnown; }
    }

    public int InFlightCount
    {
        get { lock (_lock) return _inFlight.Count + _pendingFloors.Values.Sum(); }
    }

    /// <summary>Call before asking the sequence for values; pass the ticket to <see cref="EndRequest"/>.</summary>
    public SequenceRequest BeginRequest()
    {
        lock (_lock)
        {
            var floor = _highestKnown;
            _pendingFloors[floor] = _pendingFloors.GetValueOrDefault(floor) + 1;
            return new SequenceRequest(floor) { FailuresBefore = _failuresOfUnknownOutcome };
        }
    }

    /// <summary>The sequence answered: the values are now in flight. Returns whether the position moved.</summary>
    public bool EndRequest(SequenceRequest request, IReadOnlyList<long> allocated)
    {
        lock (_lock)
        {
            RemovePending(request);
            if (_unknownAbove is not null && _unknownCoveredAt is null && request.FailuresBefore == _failuresOfUnknownOutcome && allocated.Count > 0)
                _unknownCoveredAt = allocated.Min();
            foreach (var value in allocated)
            {
                if (value <= request.Floor)
                    throw new InvalidOperationException(
                        $"The sequence returned {value}, not above {request.Floor} which it had already handed out.");
                _inFlight.Add(value);
                _highestKnown = Math.Max(_highestKnown, value);
            }
            return Recompute();
        }
    }

    /// <summary>The request failed: nothing was allocated. Returns whether the position moved.</summary>
    public bool FailRequest(SequenceRequest request)
    {
        lock (_lock)
        {
            RemovePending(request);
            return Recompute();
        }
    }

    /// <summary>
    /// The request failed unanswered, and its batch wrote rows at the values it drew, so they may
    /// be committed at positions never learnt (the connection broke after the commit): from now on
    /// <see cref="TakeUnknownRows"/> sends readers to the database for announcements past its
    /// floor, until one reaches a value drawn by a request begun after this failure. Returns
    /// whether the position moved.
    /// </summary>
    public bool FailRequestWithUnknownOutcome(SequenceRequest request)
    {
        lock (_lock)
        {
            RemovePending(request);
            _failuresOfUnknownOutcome++;
            _unknownAbove = Math.Min(_unknownAbove ?? long.MaxValue, request.Floor);
            _unknownCoveredAt = null;
            return Recompute();
        }
    }

    /// <summary>
    /// Whether an announcement up to <paramref name="target"/> may cover rows at positions never
    /// learnt (<see cref="FailRequestWithUnknownOutcome"/>), which readers must then read from the
    /// database. The announcement that reaches a value drawn after the failure is the last one.
    /// </summary>
    public bool TakeUnknownRows(long target)
    {
        lock (_lock)
        {
            if (_unknownAbove is not { } above || target <= above)
                return false;
            if (_unknownCoveredAt is { } covered && target >= covered)
                (_unknownAbove, _unknownCoveredAt) = (null, null);
            return true;
        }
    }

    /// <summary>
    /// The rows at these positions are committed, or will never be (rolled back): either way
    /// they no longer hold the position back. Returns whether the position moved.
    /// </summary>
    public bool Finish(IEnumerable<long> positions)
    {
        lock (_lock)
        {
            foreach (var position in positions)
                if (_inFlight.Remove(position) && _pendingFloors.Count > 0 && position > _pendingFloors.Keys.First())
                    _finishedAboveFloor.Add(position);
            return Recompute();
        }
    }

    /// <summary>
    /// Another writer announced a position, so the sequence has handed out at least that much.
    /// Returns whether our position moved (only when we have nothing in flight below it).
    /// </summary>
    public bool Observe(long handedOut)
    {
        lock (_lock)
        {
            if (handedOut <= _highestKnown)
                return false;
            _highestKnown = handedOut;
            return Recompute();
        }
    }

    private void RemovePending(SequenceRequest request)
    {
        if (!_pendingFloors.TryGetValue(request.Floor, out var count))
            throw new InvalidOperationException("This sequence request was already ended.");
        if (count == 1)
            _pendingFloors.Remove(request.Floor);
        else
            _pendingFloors[request.Floor] = count - 1;
    }

    /// <summary>
    /// The lowest pending floor, raised through the consecutive values above it that we finished
    /// (a request with a higher floor reaches at least as far). Forgets finished values at or
    /// below that floor: every request begun from now on has a floor above them.
    /// </summary>
    private long ReachOfPendingRequests()
    {
        var reach = _pendingFloors.Keys.First();
        while (_finishedAboveFloor.Count > 0 && _finishedAboveFloor.Min <= reach)
            _finishedAboveFloor.Remove(_finishedAboveFloor.Min);
        foreach (var value in _finishedAboveFloor)
        {
            if (value != reach + 1)
                break;
            reach = value;
        }
        return reach;
    }

    private bool Recompute()
    {
        var candidate = _highestKnown;
        if (_inFlight.Count > 0)
            candidate = Math.Min(candidate, _inFlight.Min - 1);
        if (_pendingFloors.Count > 0)
            candidate = Math.Min(candidate, ReachOfPendingRequests());
        else
            _finishedAboveFloor.Clear();
        if (candidate <= _position)
            return false;
        _position = candidate;
        return true;
    }
}

/// <summary>A sequence request on the wire; its answer will be above <see cref="Floor"/>.</summary>
public readonly record struct SequenceRequest(long Floor)
{
    /// <summary>How many requests had failed with an unknown outcome when this one began.</summary>
    public int FailuresBefore { get; init; }
}
