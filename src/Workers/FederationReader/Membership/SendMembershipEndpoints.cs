using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Rooms;
using Cluster.Workers.SyncReader;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Membership;

/// <summary>
/// The second half of the membership handshakes: <c>PUT /_matrix/federation/v2/send_join</c> (and the
/// v1 form, answered as <c>[200, {...}]</c>) answers the room's state before the join and that state's
/// auth chain as full PDUs, so the joining server can check and hold the room; <c>send_leave</c> (v1
/// and v2) answers nothing; <c>v1/send_knock</c> answers the stripped state a knocking user is shown.
/// </summary>
public static class SendMembershipEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut("/_matrix/federation/v2/send_join/{roomId}/{eventId}", async (
            HttpContext context, MembershipEventIntake intake, JoinAnswer answer) =>
        {
            var accepted = await intake.AcceptAsync(context, MembershipStates.Join, context.RequestAborted);
            return Results.Json(await answer.BuildAsync(accepted, context.FederationRequester().Origin, context.RequestAborted));
        }).RequireFederationAuth();

        endpoints.MapPut("/_matrix/federation/v1/send_join/{roomId}/{eventId}", async (
            HttpContext context, MembershipEventIntake intake, JoinAnswer answer) =>
        {
            var accepted = await intake.AcceptAsync(context, MembershipStates.Join, context.RequestAborted);
            var body = await answer.BuildAsync(accepted, context.FederationRequester().Origin, context.RequestAborted);
            body.Remove("members_omitted");
            body.Remove("servers_in_room");
            return Results.Json(new JsonArray(200, body));
        }).RequireFederationAuth();

        endpoints.MapPut("/_matrix/federation/v2/send_leave/{roomId}/{eventId}", async (HttpContext context, MembershipEventIntake intake) =>
        {
            await intake.AcceptAsync(context, MembershipStates.Leave, context.RequestAborted);
            return Results.Json(new JsonObject());
        }).RequireFederationAuth();

        endpoints.MapPut("/_matrix/federation/v1/send_leave/{roomId}/{eventId}", async (HttpContext context, MembershipEventIntake intake) =>
        {
            await intake.AcceptAsync(context, MembershipStates.Leave, context.RequestAborted);
            return Results.Json(new JsonArray(200, new JsonObject()));
        }).RequireFederationAuth();

        endpoints.MapPut("/_matrix/federation/v1/send_knock/{roomId}/{eventId}", async (
            HttpContext context, MembershipEventIntake intake, StrippedStateBuilder strippedState) =>
        {
            var accepted = await intake.AcceptAsync(context, MembershipStates.Knock, context.RequestAborted);
            var state = await strippedState.BuildAsync(accepted.Room.RoomId, accepted.Pdu.EventId, context.RequestAborted);
            return Results.Json(new JsonObject { ["knock_room_state"] = state });
        }).RequireFederationAuth();
    }
}

/// <summary>
/// What send_join answers: the join as stored (with this server's countersignature on a restricted
/// join), the room's state before it and that state's auth chain, as PDUs, and the servers in the room.
/// All members are sent (<c>members_omitted</c> false: partial joins are not offered).
/// </summary>
public sealed class JoinAnswer(RoomStateAtEvent stateAt, EventStore events, RoomMembershipStore memberships, IOptions<ClusterOptions> cluster)
{
    public async Task<JsonObject> BuildAsync(AcceptedMembership join, Shared.Identifiers.ServerName origin, CancellationToken cancellationToken)
    {
        var roomId = join.Room.RoomId;
        var found = await stateAt.GetAsync(roomId, join.Pdu.EventId, origin, cancellationToken);
        var stored = await events.GetEventsAsync([.. found.StateIds, .. found.AuthChainIds], cancellationToken);
        var members = await memberships.GetCurrentMembersAsync(roomId, MembershipStates.Join, cancellationToken);
        var servers = members.Select(m => m.UserId[(m.UserId.IndexOf(':') + 1)..]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new JsonObject
        {
            ["origin"] = cluster.Value.ServerName,
            ["event"] = join.Pdu.Json.DeepClone(),
            ["state"] = Pdus(found.StateIds, stored),
            ["auth_chain"] = Pdus(found.AuthChainIds, stored),
            ["members_omitted"] = false,
            ["servers_in_room"] = new JsonArray([.. servers.Select(s => (JsonNode?)s)]),
        };
    }

    private static JsonArray Pdus(IEnumerable<string> ids, IReadOnlyDictionary<string, StoredEvent> stored) =>
        new([.. ids.Select(stored.GetValueOrDefault).OfType<StoredEvent>().Select(e => (JsonNode)FederationPdus.Format(e, contentVisible: true))]);
}
