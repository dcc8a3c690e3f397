using System.Text.Json.Nodes;
using Cluster.Replication.Hosting;
using Cluster.Replication.Tokens;

namespace Cluster.Replication.Streams.Typing;

/// <summary>
/// What /sync needs of the typing stream. Read <see cref="Position"/> first, then the rooms:
/// the state may already hold rows beyond the position read, which a later sync reports again
/// (harmless), never the other way round.
/// </summary>
public sealed class TypingReader(StreamHost<TypingRow> stream, TypingState state)
{
    /// <summary>The typing field of the next /sync token.</summary>
    public StreamPositionVector Position => stream.Follower.Positions;

    /// <summary>The users typing in the room now, sorted.</summary>
    public IReadOnlyList<string> TypingUsers(string roomId) => state.TypingUsers(roomId);

    /// <summary>
    /// The rooms among <paramref name="roomIds"/> to send an m.typing event for in an incremental
    /// sync from <paramref name="since"/>: their typing set changed (or this process cannot rule
    /// it out). An initial sync sends every joined room's current set instead.
    /// </summary>
    public IReadOnlyList<string> RoomsChangedSince(StreamPositionVector since, IEnumerable<string> roomIds) =>
        state.RoomsChangedSince(since, roomIds);

    /// <summary>The m.typing ephemeral event of a room: <c>{"type": "m.typing", "content": {"user_ids": [...]}}</c>.</summary>
    public JsonObject TypingEvent(string roomId) => new()
    {
        ["type"] = "m.typing",
        ["content"] = new JsonObject { ["user_ids"] = new JsonArray([.. TypingUsers(roomId).Select(u => (JsonNode)u)]) },
    };
}
