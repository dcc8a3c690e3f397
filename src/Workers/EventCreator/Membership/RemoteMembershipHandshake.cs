using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>A local user's membership event, finished from a resident server's template and signed here.</summary>
public sealed record SignedMembership(JsonObject Event, string EventId, string RoomId, string Membership, RoomVersion Version);

/// <summary>
/// The two halves of leaving or knocking through another server (server-server "Leaving rooms",
/// "Knocking upon a room"): <c>make_leave</c>/<c>make_knock</c> give a template built on the
/// resident's state, which must be the local user's own membership of the asked kind in the asked
/// room; this server puts its content and timestamp in, hashes and signs it, and hands it back
/// with <c>send_leave</c> (v2) or <c>send_knock</c> (v1).
/// </summary>
public sealed class RemoteMembershipHandshake(
    FederationClient federation, ServerSigningKeyProvider keys, TimeProvider time, IOptions<ClusterOptions> cluster)
{
    private static readonly string AllVersions = string.Join("&", RoomVersions.All.Select(v => "ver=" + v.Id));

    /// <exception cref="Cluster.Shared.Http.MatrixException">The resident refused, or answered without a usable template.</exception>
    /// <exception cref="FederationRequestException">The resident could not be reached.</exception>
    public async Task<SignedMembership> MakeAsync(
        ServerName resident, string membership, string roomId, UserId user, JsonObject content, CancellationToken cancellationToken)
    {
        var userId = user.ToString();
        var step = "make_" + membership;
        // make_knock must name the room versions this server supports; make_leave takes none.
        var query = membership == MembershipStates.Knock ? "?" + AllVersions : "";
        var made = await federation.SendAsync(resident, HttpMethod.Get,
            $"/_matrix/federation/v1/{step}/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(userId)}{query}", null, cancellationToken);
        if (!made.IsSuccess)
            throw RemoteMembershipErrors.Refused(resident, step, made);
        if (made.Body?["event"] is not JsonObject template
            || !RoomVersions.TryGet(Pdu.StringOf(made.Body["room_version"]) ?? "1", out var version))
            throw RemoteMembershipErrors.BadGateway(resident, $"answered {step} without an event template of a known room version.");
        if (Pdu.StringOf(template["type"]) != RoomEventTypes.Member || Pdu.StringOf(template["state_key"]) != userId
            || Pdu.StringOf(template["sender"]) != userId || Pdu.StringOf(template["room_id"]) != roomId
            || Pdu.StringOf((template["content"] as JsonObject)?["membership"]) != membership)
            throw RemoteMembershipErrors.BadGateway(resident, $"answered {step} with a template that is not a {membership} of {userId} in {roomId}.");

        var evt = template.DeepClone().AsObject();
        foreach (var field in new[] { "signatures", "hashes", "unsigned", "event_id" })
            evt.Remove(field);
        var finished = content.DeepClone().AsObject();
        finished["membership"] = membership;
        evt["content"] = finished;
        evt["origin_server_ts"] = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (version.EventFormat == EventFormat.V1)
            evt["event_id"] = EventIds.NewServerGenerated(cluster.Value.ServerName);
        EventSigning.HashAndSign(evt, version, cluster.Value.ServerName, await keys.GetAsync(cancellationToken));
        return new SignedMembership(evt, EventIds.Of(evt, version), roomId, membership, version);
    }

    /// <summary>send_leave (v2) or send_knock (v1): the answer's body on success.</summary>
    public async Task<JsonObject> SendAsync(ServerName resident, SignedMembership signed, CancellationToken cancellationToken)
    {
        var path = signed.Membership == MembershipStates.Knock ? "v1/send_knock" : "v2/send_leave";
        var step = path[3..];
        var sent = await federation.SendAsync(resident, HttpMethod.Put,
            $"/_matrix/federation/{path}/{Uri.EscapeDataString(signed.RoomId)}/{Uri.EscapeDataString(signed.EventId)}", signed.Event, cancellationToken);
        if (!sent.IsSuccess)
            throw RemoteMembershipErrors.Refused(resident, step, sent);
        return sent.Body as JsonObject ?? throw RemoteMembershipErrors.BadGateway(resident, $"answered {step} without a JSON object.");
    }
}
