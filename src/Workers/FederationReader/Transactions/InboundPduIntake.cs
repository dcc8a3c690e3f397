using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>
/// What /send does with one PDU before answering: finds its room (PDUs of rooms this server does
/// not know are not queued: it is in none of them) and its event ID, and keeps its canonical bytes.
/// Everything else about it is checked when it is processed. <c>roomsRead</c>: the rooms the
/// transaction's PDUs named so far (each read once; a transaction is mostly of one room).
/// </summary>
internal static class InboundPduIntake
{
    public static async Task<((string RoomId, string EventId, byte[] Json)? Queued, string? EventId, string? Error)> ReadAsync(
        JsonNode? node, RoomStore rooms, Dictionary<string, RoomRecord?> roomsRead, CancellationToken cancellationToken)
    {
        if (node is not JsonObject pdu || Pdu.StringOf(pdu["room_id"]) is not { Length: > 0 and <= 255 } roomId)
            return (null, null, null);
        if (!roomsRead.TryGetValue(roomId, out var room))
            roomsRead[roomId] = room = await rooms.GetRoomAsync(roomId, cancellationToken);
        if (room is null)
            return (null, null, null);
        string eventId;
        byte[] bytes;
        try
        {
            eventId = EventIds.Of(pdu, room.Version);
            bytes = CanonicalJson.Encode(pdu);
        }
        catch (Exception e) when (e is InvalidEventException or CanonicalJsonException or FormatException or InvalidOperationException)
        {
            return (null, null, null);
        }
        if (bytes.Length > EventSizeLimits.MaxEventBytes)
            return (null, eventId, "The event is larger than 65536 bytes.");
        return ((roomId, eventId, bytes), eventId, null);
    }
}
