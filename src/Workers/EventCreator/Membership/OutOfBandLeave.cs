using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Text;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// A leave this server makes on its own for a local user's invite or knock in a room it is not in,
/// when no server of the room takes the leave: it follows the invite or knock (its only prev and
/// auth event) and is never sent anywhere. The user is rid of the invite; the room still lists them
/// as invited or knocking until it hears otherwise.
/// </summary>
public static class OutOfBandLeave
{
    public static (JsonObject Event, string EventId) Build(
        Pdu prior, JsonObject content, string serverName, Ed25519SigningKey key, long nowMs)
    {
        var version = prior.Version;
        var finished = content.DeepClone().AsObject();
        finished["membership"] = MembershipStates.Leave;
        var evt = new JsonObject
        {
            ["room_id"] = prior.RoomId,
            ["type"] = RoomEventTypes.Member,
            ["state_key"] = prior.StateKey,
            ["sender"] = prior.StateKey,
            ["content"] = finished,
            ["origin_server_ts"] = nowMs,
            ["depth"] = prior.Depth + 1,
            ["prev_events"] = new JsonArray(Reference(prior, version)),
            ["auth_events"] = new JsonArray(Reference(prior, version)),
        };
        if (version.ServerGeneratedEventIds)
            evt["event_id"] = EventIds.NewServerGenerated(serverName);
        EventSigning.HashAndSign(evt, version, serverName, key);
        return (evt, EventIds.Of(evt, version));
    }

    // Room versions 1 and 2 cite events as [event_id, {sha256: reference hash}]; later ones by ID alone.
    private static JsonNode Reference(Pdu prior, RoomVersion version) =>
        version.EventFormat == EventFormat.V1
            ? new JsonArray(prior.EventId, new JsonObject
            {
                [EventHashing.Sha256Key] = UnpaddedBase64.Encode(EventHashing.ComputeReferenceHash(prior.Json, version)),
            })
            : prior.EventId;
}
