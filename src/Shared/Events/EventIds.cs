using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Text;

namespace Cluster.Shared.Events;

/// <summary>
/// Event IDs in each room version's format: v1/v2 IDs are chosen by the origin server and carried
/// in the event; v3 and later derive them from the reference hash, so they cannot be forged.
/// </summary>
public static class EventIds
{
    private const string LocalpartAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const int LocalpartLength = 18;

    /// <summary>A fresh <c>$random:server</c> ID for an event this server creates in a v1/v2 room.</summary>
    public static string NewServerGenerated(string serverName) =>
        "$" + RandomNumberGenerator.GetString(LocalpartAlphabet, LocalpartLength) + ":" + serverName;

    /// <summary>
    /// The event's ID: the <c>event_id</c> it carries in v1/v2 rooms, its reference hash in later ones.
    /// </summary>
    /// <exception cref="InvalidEventException">A v1/v2 event without a string <c>event_id</c>.</exception>
    public static string Of(JsonObject evt, RoomVersion version)
    {
        if (version.EventFormat != EventFormat.V1) return FromReferenceHash(EventHashing.ComputeReferenceHash(evt, version), version);
        return evt["event_id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new InvalidEventException($"Events in room version {version.Id} must carry a string event_id.");
    }

    /// <summary><c>$</c> and the reference hash: standard unpadded Base64 in v3, URL-safe from v4.</summary>
    /// <exception cref="InvalidOperationException">The version's event IDs are not hash-derived (v1, v2).</exception>
    public static string FromReferenceHash(ReadOnlySpan<byte> referenceHash, RoomVersion version) => version.EventFormat switch
    {
        EventFormat.V2 => "$" + UnpaddedBase64.Encode(referenceHash),
        EventFormat.V3 => "$" + UnpaddedBase64.EncodeUrlSafe(referenceHash),
        _ => throw new InvalidOperationException($"Room version {version.Id} event IDs are chosen by the origin server."),
    };

    /// <summary>
    /// The room ID a v12+ create event founds: its event ID with the <c>!</c> sigil, that is <c>!</c>
    /// and the URL-safe unpadded Base64 of its reference hash.
    /// </summary>
    /// <exception cref="InvalidOperationException">The version does not derive room IDs from the create event.</exception>
    public static string RoomIdOfCreateEvent(JsonObject createEvent, RoomVersion version)
    {
        if (!version.RoomIdFromCreateEvent)
            throw new InvalidOperationException($"Room version {version.Id} does not derive room IDs from the create event.");
        return "!" + FromReferenceHash(EventHashing.ComputeReferenceHash(createEvent, version), version)[1..];
    }
}
