using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Tests.Federation.Pdus;

/// <summary>
/// Well-formed events as another server would send them: every field of the version's format, hashed
/// and signed with a real Ed25519 key, so that any one change a test makes is the only thing wrong.
/// </summary>
internal static class SignedEvents
{
    public const string Server = "remote.example";
    public const long SentAt = 1_700_000_000_000;

    public static string RoomId(RoomVersion version) =>
        version.RoomIdFromCreateEvent ? "!" + HashId(version, "create")[1..] : "!room:" + Server;

    /// <summary>A reference to another event in the version's form: an ID string, or a v1/v2 [id, hashes] pair.</summary>
    public static JsonNode Reference(RoomVersion version, string seed) =>
        version.EventFormat == EventFormat.V1
            ? new JsonArray($"${seed}:{Server}", new JsonObject { ["sha256"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })
            : JsonValue.Create(HashId(version, seed));

    /// <summary>An unsigned message; <see cref="Sign"/> it after changing it.</summary>
    public static JsonObject Message(RoomVersion version, string sender = "@alice:" + Server)
    {
        var json = new JsonObject
        {
            ["type"] = "m.room.message",
            ["room_id"] = RoomId(version),
            ["sender"] = sender,
            ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "hello" },
            ["depth"] = 5,
            ["origin_server_ts"] = SentAt,
            ["prev_events"] = new JsonArray(Reference(version, "prev")),
            ["auth_events"] = new JsonArray(Reference(version, "create"), Reference(version, "member")),
        };
        if (version.ServerGeneratedEventIds) json["event_id"] = $"$message:{Server}";
        return json;
    }

    /// <summary>Hashes and signs <paramref name="json"/> as <paramref name="server"/>, and returns it.</summary>
    public static JsonObject Sign(JsonObject json, RoomVersion version, Ed25519SigningKey key, string server = Server)
    {
        EventSigning.HashAndSign(json, version, server, key);
        return json;
    }

    public static JsonObject SignedMessage(RoomVersion version, Ed25519SigningKey key) => Sign(Message(version), version, key);

    private static string HashId(RoomVersion version, string seed) =>
        version.EventFormat == EventFormat.V1
            ? $"${seed}:{Server}"
            : EventIds.FromReferenceHash(SHA256.HashData(Encoding.UTF8.GetBytes(seed)), version);
}
