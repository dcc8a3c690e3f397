using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Workers.EventCreator.Building;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// Inviting a user of another server (server-server "Inviting to a room"): the invite, built and
/// auth-checked here, goes to the invitee's server first (<c>PUT /_matrix/federation/v2/invite</c>,
/// with the room's stripped state), which signs it too and hands it back. Only that countersigned
/// copy, unchanged but for the added signature and checked against the invitee server's keys, is
/// persisted; the federation sender then passes it on to the room's servers like any local event
/// (the invitee's server among them only when it has a member joined, which is how it learns of the
/// invite as a room event; its /invite answer stored nothing there).
/// </summary>
public sealed class RemoteInvites(FederationClient federation, PduVerifier verifier, IOptions<ClusterOptions> cluster, ILogger<RemoteInvites> logger)
{
    /// <summary>The state an invitee is shown of the room (spec "Stripped state"), besides the inviter's membership.</summary>
    public static readonly IReadOnlyList<(string Type, string StateKey)> StrippedStateKeys =
    [
        (RoomEventTypes.Create, ""), (RoomEventTypes.JoinRules, ""), (RoomEventTypes.Name, ""), (RoomEventTypes.Avatar, ""),
        (RoomEventTypes.CanonicalAlias, ""), (RoomEventTypes.Encryption, ""), (RoomEventTypes.Topic, ""),
    ];

    public bool IsRemote(UserId user) => !user.IsFromServer(ServerName.Parse(cluster.Value.ServerName));

    /// <summary>The invite as the invitee's server countersigned it; the client's error when that server refuses or fails.</summary>
    public async Task<BuiltEvent> ExchangeAsync(RoomContext room, BuiltEvent invite, CancellationToken cancellationToken)
    {
        var invitee = UserId.Parse(invite.Pdu.StateKey);
        var server = invitee.ServerName;
        var body = new JsonObject
        {
            ["event"] = invite.Pdu.Json.DeepClone(),
            ["room_version"] = room.Version.Id,
            ["invite_room_state"] = StrippedState(room, invite.Pdu.Sender),
        };
        FederationResponse response;
        try
        {
            response = await federation.SendAsync(server, HttpMethod.Put,
                $"/_matrix/federation/v2/invite/{Uri.EscapeDataString(invite.Pdu.RoomId)}/{Uri.EscapeDataString(invite.EventId)}", body, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Inviting through {Server} failed: {Reason}", server, e.Message);
            throw RemoteMembershipErrors.Unreachable(server);
        }
        if (!response.IsSuccess)
            throw RemoteMembershipErrors.Refused(server, "the invite", response);
        if (response.Body?["event"] is not JsonObject returned)
            throw RemoteMembershipErrors.BadGateway(server, "answered the invite without the event.");
        returned.Remove(JsonSignatures.UnsignedKey);
        // Some servers echo the event ID, which from room version 3 is derived, not carried.
        if (room.Version.EventFormat != EventFormat.V1)
            returned.Remove("event_id");
        // Anything but an added signature would make it another event than the one auth-checked here.
        if (!SameEventBesidesSignatures(invite.Pdu.Json, returned))
            throw RemoteMembershipErrors.BadGateway(server, "answered the invite with an event other than the one sent.");
        if (!IncomingPdu.TryParse(returned, room.Version, invite.Pdu.RoomId, out var parsed, out var invalid))
            throw RemoteMembershipErrors.BadGateway(server, $"answered the invite with an invalid event: {invalid.Detail}.");
        var check = await verifier.CheckSignaturesAsync(parsed, [server.ToString()], cancellationToken);
        if (check.Status != PduCheckStatus.Accepted)
            throw RemoteMembershipErrors.BadGateway(server,
                $"did not sign the invite validly: {check.Failure?.Detail ?? check.Status.ToString()}.");
        return new BuiltEvent(check.Pdu!, CanonicalJson.Encode(returned));
    }

    private static bool SameEventBesidesSignatures(JsonObject sent, JsonObject returned)
    {
        try
        {
            return JsonSignatures.SigningBytes(sent).AsSpan().SequenceEqual(JsonSignatures.SigningBytes(returned));
        }
        catch (CanonicalJsonException)
        {
            return false;
        }
    }

    private static JsonArray StrippedState(RoomContext room, string inviter)
    {
        var stripped = new JsonArray();
        foreach (var (type, stateKey) in StrippedStateKeys.Append((RoomEventTypes.Member, inviter)))
            if (room.Get(type, stateKey) is { } e)
                stripped.Add(new JsonObject
                {
                    ["type"] = e.Type, ["state_key"] = e.StateKey, ["content"] = e.Content.DeepClone(), ["sender"] = e.Sender,
                });
        return stripped;
    }
}
