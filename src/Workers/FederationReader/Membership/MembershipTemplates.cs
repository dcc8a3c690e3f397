using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// A membership event as make_join, make_leave and make_knock hand it out (unsigned, unhashed, no
/// event ID: the joining server finishes it), and the same event read as a PDU with the current state
/// events the auth rules judge it against.
/// </summary>
public sealed record MembershipDraft(JsonObject Template, Pdu Pdu, IReadOnlyDictionary<(string Type, string StateKey), Pdu> AuthState)
{
    /// <summary>Why the auth rules would refuse the event against the room's current state; null when they allow it.</summary>
    public string? Refusal()
    {
        var decision = EventAuth.Check(Pdu, AuthState);
        return decision.Allowed ? null : decision.Reason ?? "refused by the auth rules";
    }
}

/// <summary>
/// Builds membership templates on the room's current state: prev_events are the room's forward
/// extremities (the deepest <see cref="MaxPrevEvents"/>), auth_events what the auth event selection
/// picks from the current state, depth one more than the deepest prev event.
/// </summary>
public sealed class MembershipTemplates(RoomStore rooms, RoomStateStore state, IOptions<ClusterOptions> cluster, TimeProvider clock)
{
    public const int MaxPrevEvents = 10;

    // The ID the draft is read under: a PDU needs one, and nothing checks it against the content.
    private const string DraftEventId = "$membership-template";

    public async Task<MembershipDraft> DraftAsync(RoomRecord room, string userId, JsonObject content, CancellationToken cancellationToken)
    {
        var extremities = await rooms.GetForwardExtremitiesAsync(room.RoomId, MaxPrevEvents, cancellationToken);
        if (extremities.Count == 0)
            throw MatrixException.NotFound($"This server holds no events of {room.RoomId} to build on.");
        var version = room.Version;
        var selection = AuthEventSelection.Select(version, RoomEventTypes.Member, userId, userId, content);
        // The create event always goes to the auth rules, though from v12 it is not cited.
        var wanted = selection.Append((RoomEventTypes.Create, "")).Distinct().ToList();
        var current = await state.GetCurrentStateEventsAsync(room.RoomId, wanted, cancellationToken);
        var cited = selection.Where(current.ContainsKey).Select(k => current[k]).ToList();

        var template = new JsonObject
        {
            ["room_id"] = room.RoomId,
            ["type"] = RoomEventTypes.Member,
            ["state_key"] = userId,
            ["sender"] = userId,
            ["origin"] = cluster.Value.ServerName,
            ["origin_server_ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ["content"] = content.DeepClone(),
            ["depth"] = extremities.Max(x => x.Depth) + 1,
            ["prev_events"] = new JsonArray([.. extremities.Select(x => Reference(version, x.EventId, x.Json))]),
            ["auth_events"] = new JsonArray([.. cited.Select(e => Reference(version, e.EventId, e.Json))]),
        };
        var judged = (JsonObject)template.DeepClone();
        // A restricted join needs its authorising server's signature, which this server adds when the
        // join comes back (send_join); the draft is judged as it will stand then.
        if (Pdu.StringOf(content["join_authorised_via_users_server"]) is not null)
            judged["signatures"] = new JsonObject { [cluster.Value.ServerName] = new JsonObject { ["ed25519:countersignature"] = "" } };
        var pdu = Pdu.Parse(judged, version, DraftEventId);
        var authState = current.ToDictionary(kv => kv.Key, kv => kv.Value.ToPdu());
        return new MembershipDraft(template, pdu, authState);
    }

    // Room versions 1 and 2 cite events as [event_id, {hashes}]; later ones by ID alone.
    private static JsonNode Reference(RoomVersion version, string eventId, byte[] json)
    {
        if (version.EventFormat != EventFormat.V1)
            return eventId;
        var hashes = JsonNode.Parse(json)?["hashes"]?.DeepClone() ?? new JsonObject();
        return new JsonArray(eventId, hashes);
    }
}
