using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// The stripped state an invited or knocking user sees of a room (spec: "Stripped state"): the
/// events that let a client show the invite, reduced to type, state_key, content and sender,
/// plus the user's own membership event.
/// </summary>
public sealed class StrippedStateBuilder(RoomStateStore state, EventStore events)
{
    private static readonly (string Type, string StateKey)[] Keys =
    [
        ("m.room.create", ""), ("m.room.join_rules", ""), ("m.room.name", ""), ("m.room.avatar", ""),
        ("m.room.canonical_alias", ""), ("m.room.encryption", ""), ("m.room.topic", ""),
    ];

    public async Task<JsonArray> BuildAsync(string roomId, string membershipEventId, CancellationToken ct)
    {
        var found = await state.GetCurrentStateEventsAsync(roomId, Keys, ct);
        var stripped = new JsonArray();
        foreach (var e in found.Values)
            stripped.Add(Strip(e));
        if (await events.GetEventAsync(membershipEventId, ct) is { } membership)
        {
            // An invite from another server, or a knock through one, in a room this server is not in:
            // the state that server gave is all there is, kept in the event's unsigned section.
            if (found.Count == 0 && RemoteStrippedState.Of(membership.ParseJson()) is { } given)
                foreach (var e in given.OfType<JsonObject>())
                    stripped.Add(e.DeepClone());
            stripped.Add(Strip(membership));
        }
        return stripped;
    }

    private static JsonObject Strip(StoredEvent e)
    {
        var json = e.ParseJson();
        return new JsonObject
        {
            ["type"] = e.Type,
            ["state_key"] = e.StateKey,
            ["content"] = json["content"]?.DeepClone() ?? new JsonObject(),
            ["sender"] = e.Sender,
        };
    }
}
