using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Tests.Support;

/// <summary>
/// Builds PDUs for rule tests with chosen event IDs, in the JSON shape of the room version
/// (v1/v2 reference pairs, v3+ ID strings). Not hashed or signed: auth and state resolution
/// do not look at hashes, and readable IDs make failures readable.
/// </summary>
public static class TestPdu
{
    public const string Room = "!room:example.org";

    public static Pdu Make(RoomVersion version, string eventId, string type, string sender, string? stateKey,
        string contentJson, IEnumerable<string>? authEvents = null, IEnumerable<string>? prevEvents = null,
        long depth = 1, string roomId = Room, long originServerTs = 0, string? redacts = null)
    {
        var json = new JsonObject
        {
            ["type"] = type,
            ["sender"] = sender,
            ["content"] = JsonNode.Parse(contentJson),
            ["depth"] = depth,
            ["origin_server_ts"] = originServerTs,
            ["auth_events"] = References(version, authEvents ?? []),
            ["prev_events"] = References(version, prevEvents ?? []),
            ["hashes"] = new JsonObject { ["sha256"] = "AAAA" },
            ["signatures"] = new JsonObject(),
        };
        // v12 create events carry no room_id: it is derived from their ID.
        if (!(version.RoomIdFromCreateEvent && type == "m.room.create")) json["room_id"] = roomId;
        if (stateKey is not null) json["state_key"] = stateKey;
        if (redacts is not null) json["redacts"] = redacts;
        if (version.EventFormat == EventFormat.V1)
        {
            json["event_id"] = eventId;
            json["origin"] = sender[(sender.IndexOf(':') + 1)..];
        }
        return Pdu.Parse(json, version, eventId);
    }

    private static JsonArray References(RoomVersion version, IEnumerable<string> ids) =>
        new(ids.Select(id => version.EventFormat == EventFormat.V1
            ? (JsonNode)new JsonArray(id, new JsonObject { ["sha256"] = "AAAA" })
            : JsonValue.Create(id)).ToArray());
}
