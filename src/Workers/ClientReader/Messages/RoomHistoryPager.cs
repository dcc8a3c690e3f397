using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.ClientReader.Filters;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>One walk through a room's history for one user.</summary>
/// <param name="To">Where the walk stops: backwards it returns events after this place, forwards events at or before it.</param>
public sealed record HistoryWalk(
    string RoomId, string UserId, TopologicalPosition From, PaginationDirection Direction,
    TopologicalPosition? To, int Limit, RoomEventFilter Filter);

/// <summary>
/// What a walk found, in the order walked. <see cref="Next"/> is where the walk stopped (just past
/// the last event it looked at, returned or not), so the next page starts there without looking at
/// anything twice. <see cref="MoreAvailable"/> is false only when the walk ran out of events.
/// </summary>
public sealed record HistoryPage(IReadOnlyList<StoredEvent> Events, TopologicalPosition Next, bool MoreAvailable, StoredEvent? FirstSeen);

/// <summary>
/// Pages through a room's history (topological order) keeping only the events that pass the filter
/// and that the user may see. Events the user may not see still move the walk along, so a page can
/// come back short, even empty, with more to come; each request looks at a bounded number of events.
/// </summary>
public sealed class RoomHistoryPager(EventStore events, EventVisibility visibility, BackfilledEventVisibility backfilledVisibility)
{
    /// <summary>How many events one request looks at beyond the ones it returns.</summary>
    public const int ScanAllowance = 500;

    private const int MaxBatch = 500;

    public async Task<HistoryPage> WalkAsync(HistoryWalk walk, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(walk.Limit);
        if (walk.Limit == 0)
            return new HistoryPage([], walk.From, true, null);
        if (!walk.Filter.IncludesRoom(walk.RoomId))
            return new HistoryPage([], walk.From, false, null);

        var collected = new List<StoredEvent>(Math.Min(walk.Limit, MaxBatch));
        var position = walk.From;
        StoredEvent? firstSeen = null;
        var seen = 0;
        var budget = walk.Limit + ScanAllowance;
        // One more than needed, so that a page filled to the limit knows whether anything follows.
        var batch = Math.Min(walk.Limit + 1, MaxBatch);
        while (true)
        {
            var raw = await events.PaginateRoomEventsAsync(walk.RoomId, position, walk.Direction, batch, cancellationToken);
            var exhausted = raw.Count < batch;
            var inRange = raw.TakeWhile(e => IsInRange(walk, e)).ToList();
            if (inRange.Count < raw.Count)
                exhausted = true;

            var candidates = inRange.Where(e => Passes(walk.Filter, e)).ToList();
            var visible = (await visibility.FilterAsync(walk.UserId, [.. candidates.Where(e => e.IsInTimeline)], cancellationToken))
                .Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);
            // Outliers in the history are backfilled events, judged by what was recorded when they were fetched.
            visible.UnionWith((await backfilledVisibility.FilterAsync(walk.UserId, [.. candidates.Where(e => e.Outlier)], cancellationToken))
                .Select(e => e.EventId));

            var taken = 0;
            while (taken < inRange.Count && collected.Count < walk.Limit)
            {
                var e = inRange[taken++];
                firstSeen ??= e;
                position = HistoryPositions.Past(e, walk.Direction);
                seen++;
                if (visible.Contains(e.EventId))
                    collected.Add(e);
            }

            if (collected.Count == walk.Limit)
                return new HistoryPage(collected, position, taken < inRange.Count || !exhausted, firstSeen);
            if (exhausted)
                return new HistoryPage(collected, position, false, firstSeen);
            if (seen >= budget)
                return new HistoryPage(collected, position, true, firstSeen);
            // Events are being filtered out: read further ahead per query.
            batch = Math.Min(Math.Max(walk.Limit - collected.Count + 1, batch * 2), MaxBatch);
        }
    }

    private static bool IsInRange(HistoryWalk walk, StoredEvent e)
    {
        if (walk.To is not { } to)
            return true;
        var comparison = HistoryPositions.Compare(HistoryPositions.At(e), to);
        return walk.Direction == PaginationDirection.Backwards ? comparison > 0 : comparison <= 0;
    }

    /// <summary>Whether an event passes a RoomEventFilter: room, type, sender and contains_url.</summary>
    internal static bool Passes(RoomEventFilter filter, StoredEvent e)
    {
        var hasUrl = filter.ContainsUrl is not null && HasUrl(e);
        return filter.Matches(e.RoomId, e.Type, e.Sender, hasUrl);
    }

    /// <summary>contains_url looks at the content as served, so a redacted event has no url.</summary>
    private static bool HasUrl(StoredEvent e) =>
        ClientEventFormat.ContentOf(e.ParseJson(), e.RoomVersion, e.IsRedacted).ContainsKey("url");
}
