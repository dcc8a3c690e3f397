using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventPersister;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// A local user joins a room this server is not in (server-server "Joining Rooms"): a resident
/// server builds the join's template (<c>make_join</c>), this server signs it and hands it over
/// (<c>send_join</c>, v2), and the state and auth chain that come back are checked event by event
/// before the room is stored: the state and auth chain as outliers, the join against that state.
/// From then on the resident servers send the room's events here like to any member server.
/// </summary>
public sealed class RemoteRoomJoin(
    FederationClient federation, PduVerifier verifier, IEventPersistence persistence, ServerSigningKeyProvider keys,
    MemberProfiles profiles, RoomSnapshots snapshots, TimeProvider time, IOptions<ClusterOptions> cluster, ILogger<RemoteRoomJoin> logger)
{
    /// <summary>Most resident servers tried for one join.</summary>
    public const int MaxServersTried = 5;

    /// <summary>Most events (state and auth chain) accepted from one send_join answer.</summary>
    public const int MaxStateEvents = 50_000;

    private static readonly string VersionQuery = string.Join("&", RoomVersions.All.Select(v => "ver=" + v.Id));

    /// <summary>Joins <paramref name="user"/> to <paramref name="roomId"/> through the first of <paramref name="servers"/> that lets it.</summary>
    public async Task<string> JoinAsync(UserId user, string roomId, IReadOnlyList<string> servers, string? reason, CancellationToken cancellationToken)
    {
        var candidates = servers.Where(s => s != cluster.Value.ServerName).Distinct(StringComparer.Ordinal).Take(MaxServersTried).ToList();
        if (candidates.Count == 0)
            throw MatrixException.NotFound($"Room {roomId} is not known here and no server to join it through was given.");
        var content = await profiles.JoinContentAsync(user, reason, cancellationToken);
        return await RemoteMembershipErrors.FirstThatLetsAsync(candidates, $"Joining {roomId}",
            resident => JoinThroughAsync(resident, user, roomId, content, cancellationToken), logger);
    }

    private async Task<string> JoinThroughAsync(ServerName resident, UserId user, string roomId, JsonObject content, CancellationToken cancellationToken)
    {
        var userId = user.ToString();
        var made = await federation.SendAsync(resident, HttpMethod.Get,
            $"/_matrix/federation/v1/make_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(userId)}?{VersionQuery}", null, cancellationToken);
        if (!made.IsSuccess)
            throw RemoteMembershipErrors.Refused(resident, "the join", made);
        if (made.Body?["event"] is not JsonObject template || !RoomVersions.TryGet(Pdu.StringOf(made.Body["room_version"]) ?? "1", out var version))
            throw new MatrixException(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{resident} answered make_join without an event template of a known room version.");
        if (Pdu.StringOf(template["type"]) != RoomEventTypes.Member || Pdu.StringOf(template["state_key"]) != userId
            || Pdu.StringOf(template["sender"]) != userId || Pdu.StringOf(template["room_id"]) != roomId)
            throw new MatrixException(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{resident}'s join template is not a join of {userId} to {roomId}.");

        var join = template.DeepClone().AsObject();
        foreach (var field in new[] { "signatures", "hashes", "unsigned", "event_id" })
            join.Remove(field);
        var joinContent = content.DeepClone().AsObject();
        // A restricted room names the resident user who authorises the join; it stays.
        if ((template["content"] as JsonObject)?["join_authorised_via_users_server"] is { } authoriser)
            joinContent["join_authorised_via_users_server"] = authoriser.DeepClone();
        join["content"] = joinContent;
        join["origin_server_ts"] = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (version.EventFormat == EventFormat.V1)
            join["event_id"] = EventIds.NewServerGenerated(cluster.Value.ServerName);
        var key = await keys.GetAsync(cancellationToken);
        EventSigning.HashAndSign(join, version, cluster.Value.ServerName, key);
        var eventId = EventIds.Of(join, version);

        var sent = await federation.SendAsync(resident, HttpMethod.Put,
            $"/_matrix/federation/v2/send_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(eventId)}", join, cancellationToken);
        if (!sent.IsSuccess)
            throw RemoteMembershipErrors.Refused(resident, "the join", sent);
        if (sent.Body?["state"] is not JsonArray stateNodes || sent.Body["auth_chain"] is not JsonArray chainNodes
            || stateNodes.Count + chainNodes.Count > MaxStateEvents)
            throw new MatrixException(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{resident} answered send_join without a usable state.");
        // The resident may countersign the join (restricted rooms): use its copy when it is ours.
        if (sent.Body["event"] is JsonObject countersigned && EventIds.Of(countersigned, version) == eventId)
            join = countersigned;

        var state = await VerifyAllAsync(stateNodes, version, roomId, eventId, cancellationToken);
        var chain = await VerifyAllAsync(chainNodes, version, roomId, eventId, cancellationToken);
        var stateEntries = state.Where(e => e.StateKey is not null)
            .GroupBy(e => (e.Type, e.StateKey!)).Select(g => g.First())
            .Select(e => new StateEntry(e.Type, e.StateKey!, e.EventId)).ToList();
        if (!stateEntries.Any(e => e.Type == RoomEventTypes.Create && e.StateKey == ""))
            throw new MatrixException(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{resident}'s state of {roomId} has no create event.");

        var outliers = chain.Concat(state).DistinctBy(e => e.EventId).OrderBy(e => e.Depth)
            .Select(e => new ReceivedEvent(e.EventId, CanonicalJson.Encode(e.Json), Outlier: true));
        var result = await persistence.PersistReceivedAsync(new ReceivedPersistRequest(roomId, version.Id,
            [.. outliers, new ReceivedEvent(eventId, CanonicalJson.Encode(join), StateBefore: stateEntries, SentByResident: true)]), cancellationToken);
        snapshots.Forget(roomId);
        var outcome = result.Events[^1];
        if (outcome.Status is not (ReceivedEventStatus.Accepted or ReceivedEventStatus.AlreadyKnown))
            throw MatrixException.Forbidden($"The join does not pass the room's rules here: {outcome.Reason ?? outcome.Status.ToString()}.");
        logger.LogInformation("{UserId} joined {RoomId} through {Server}: {StateCount} state events, {ChainCount} in the auth chain",
            userId, roomId, resident, stateEntries.Count, chain.Count);
        return eventId;
    }

    // Every event of another server's answer is checked like a received PDU; those that fail are left out.
    private async Task<List<Pdu>> VerifyAllAsync(JsonArray nodes, RoomVersion version, string roomId, string joinId, CancellationToken cancellationToken) =>
        [.. (await verifier.PassingAsync(nodes, version, roomId, cancellationToken)).Where(p => p.EventId != joinId)];
}
