using System.Buffers;
using Cluster.Replication.Bus;
using Npgsql;

namespace Cluster.Replication.Streams.Events;

/// <summary>
/// The events stream ("events"): its rows are the events table itself (migration 0002, position
/// column stream_ordering, positions from events_stream_seq), so catch-up reads the summary
/// columns straight from the events rows, and the bus carries only the summary.
/// </summary>
/// <remarks>
/// Rows are never inserted through the stream definition: an event's row is one of many the
/// persister writes in its own transaction (edges, state, memberships), so the persister
/// allocates positions from the writer, writes that transaction and completes the allocation.
/// </remarks>
public sealed class EventsStream() : StreamDefinition<EventStreamRow>(StreamName, "events", "stream_ordering")
{
    public const string StreamName = "events";

    public static EventsStream Instance { get; } = new();

    public override string DataColumns => "t.event_id, t.room_id, t.type, t.state_key, t.membership";

    public override EventStreamRow ReadRow(NpgsqlDataReader reader, int firstOrdinal) => new(
        reader.GetString(firstOrdinal),
        reader.GetString(firstOrdinal + 1),
        reader.GetString(firstOrdinal + 2),
        reader.IsDBNull(firstOrdinal + 3) ? null : reader.GetString(firstOrdinal + 3),
        reader.IsDBNull(firstOrdinal + 4) ? null : reader.GetString(firstOrdinal + 4));

    public override Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StreamRow<EventStreamRow>> rows,
        CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            "Event rows are written by the event persister's own transaction (RoomEventWriter), not through the stream writer.");

    public override void Encode(EventStreamRow row, IBufferWriter<byte> output)
    {
        output.WriteString(row.EventId);
        output.WriteString(row.RoomId);
        output.WriteString(row.Type);
        output.WriteNullableString(row.StateKey);
        output.WriteNullableString(row.Membership);
    }

    public override EventStreamRow Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var row = new EventStreamRow(reader.ReadString(), reader.ReadString(), reader.ReadString(),
            reader.ReadNullableString(), reader.ReadNullableString());
        reader.ExpectEnd();
        if (row.EventId.Length == 0 || row.RoomId.Length == 0)
            throw new ReplicationFormatException("An events stream row names its event and room.");
        return row;
    }
}
