using Cluster.Replication.Streams.Events;
using Cluster.Replication.Tokens;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>
/// A <c>from</c> or <c>to</c> of /messages as the client sent it: a place in the room's history
/// (<c>t{depth}-{stream}</c>, from /messages, /context or /sync's prev_batch), or a live position
/// (<c>s…</c>/<c>m…</c> room stream token, or a whole /sync next_batch, of which the events
/// position counts). Parsing needs no database, so malformed input is refused before anything else.
/// </summary>
public sealed class PaginationToken
{
    private readonly TopologicalPosition? _place;
    private readonly StreamBound? _live;

    private PaginationToken(TopologicalPosition? place, StreamBound? live)
    {
        _place = place;
        _live = live;
    }

    /// <exception cref="MatrixException">400 M_INVALID_PARAM when the text is no token this server mints.</exception>
    public static PaginationToken Parse(string text, string parameter)
    {
        if (RoomStreamToken.TryParse(text, out var room))
        {
            return room switch
            {
                TopologicalRoomStreamToken t => new PaginationToken(new TopologicalPosition(t.Depth, t.Stream), null),
                LiveRoomStreamToken live => new PaginationToken(null, live.Positions.ToStreamBound()),
                _ => throw new InvalidOperationException($"Unknown room stream token type {room.GetType().Name}."),
            };
        }
        if (SyncToken.TryParse(text, out var sync))
            return new PaginationToken(null, sync.Events.ToStreamBound());
        throw MatrixException.InvalidParam($"'{parameter}' is not a valid pagination token.");
    }

    /// <summary>
    /// The place in <paramref name="roomId"/>'s history: as given, or for a live position just after
    /// the room's newest event at or before it (before everything if the room had none then).
    /// </summary>
    public async Task<TopologicalPosition> ResolveAsync(string roomId, EventStore events, CancellationToken cancellationToken)
    {
        if (_place is { } place)
            return place;
        var latest = await events.GetLatestRoomEventAsync(roomId, _live!, cancellationToken);
        return latest is null ? HistoryPositions.Start : HistoryPositions.At(latest);
    }
}
