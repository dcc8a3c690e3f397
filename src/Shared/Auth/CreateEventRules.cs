using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>Rule 1 of every room version: the create event stands on its own, with no state to check against.</summary>
internal static class CreateEventRules
{
    public static AuthDecision Check(Pdu create)
    {
        var version = create.Version;
        if (create.PrevEventIds.Count > 0) return AuthDecision.Deny("the create event has prev_events");

        if (version.RoomIdFromCreateEvent)
        {
            // v12: the room ID is the create event's ID, so the event cannot carry one itself.
            if (create.Json.ContainsKey("room_id")) return AuthDecision.Deny("a v12 create event must not have a room_id");
        }
        else if (!MatrixIds.SameDomain(create.RoomId, create.Sender))
        {
            return AuthDecision.Deny("the create event's room_id domain differs from its sender's domain");
        }

        if (create.Content.TryGetPropertyValue(ContentKeys.RoomVersion, out var roomVersion)
            && !RoomVersions.RoomVersions.TryGet(Pdu.StringOf(roomVersion), out _))
            return AuthDecision.Deny("content.room_version is not a recognised room version");

        if (!version.ImplicitRoomCreator && !create.Content.ContainsKey(ContentKeys.Creator))
            return AuthDecision.Deny("the create event has no content.creator");

        if (version.RoomIdFromCreateEvent
            && create.Content.TryGetPropertyValue(ContentKeys.AdditionalCreators, out var additional)
            && !AreUserIds(additional))
            return AuthDecision.Deny("content.additional_creators is not an array of valid user IDs");

        return AuthDecision.Allow;
    }

    private static bool AreUserIds(JsonNode? node)
    {
        if (node is not JsonArray array) return false;
        foreach (var item in array)
            if (!MatrixIds.IsValidUserId(Pdu.StringOf(item))) return false;
        return true;
    }
}
