using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Cluster.Workers.EventCreator.Membership;
using Cluster.Workers.EventPersister;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Creation;

/// <summary>
/// POST /createRoom: builds the room's first events in the spec's order (create, the creator's
/// join, power levels, canonical alias, the preset's rules, initial_state, name, topic, invites),
/// checks each against the state the ones before it made, and persists them as one batch. Users of
/// other servers are invited afterwards, one by one through their server (<see cref="RemoteInvites"/>),
/// which must countersign each invite; one that fails leaves the room created without that invite.
/// </summary>
public sealed class RoomCreator(
    EventBuilder builder, IEventPersistence persistence, RoomAliasStore aliases, MemberProfiles profiles,
    MembershipActions memberships, RemoteInvites remoteInvites, IOptions<ClusterOptions> options, ILogger<RoomCreator> logger)
{
    public async Task<string> CreateAsync(UserId creator, CreateRoomRequest request, CancellationToken cancellationToken)
    {
        var serverName = options.Value.ServerName;
        var version = request.Version;
        var sender = creator.ToString();
        var room = new RoomContext(version, roomId: null);
        var batch = new List<BuiltEvent>();

        async Task AddAsync(string type, string stateKey, JsonObject content)
        {
            var built = await builder.BuildAsync(room, new EventDraft(type, stateKey, sender, content), cancellationToken);
            var decision = EventAuth.Check(built.Pdu, room.State);
            if (!decision.Allowed)
                throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.InvalidRoomState,
                    $"The room's initial state is not allowed: {type} ('{stateKey}'): {decision.Reason}.");
            room.Apply(built.Pdu);
            batch.Add(built);
        }

        // 1. The create event; in v12 it also names the room.
        await AddAsync(RoomEventTypes.Create, "", CreateContent(request, sender));
        var roomId = room.RoomId!;

        string? alias = null;
        if (request.AliasLocalpart is { } localpart)
        {
            alias = $"#{localpart}:{serverName}";
            if (!RoomAlias.TryParse(alias, out _) || System.Text.Encoding.UTF8.GetByteCount(alias) > 255)
                throw MatrixException.InvalidParam($"'{localpart}' does not make a valid room alias.");
            if (!await aliases.TryCreateAsync(alias, roomId, sender, cancellationToken))
                throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.RoomInUse, $"Room alias {alias} is already taken.");
        }

        try
        {
            // 2. The creator joins.
            await AddAsync(RoomEventTypes.Member, sender, await profiles.JoinContentAsync(creator, null, cancellationToken));
            // 3. Power levels, with the client's override on top.
            await AddAsync(RoomEventTypes.PowerLevels, "", PowerLevelContent(request, sender));
            // 4. The alias.
            if (alias is not null)
                await AddAsync(RoomEventTypes.CanonicalAlias, "", new JsonObject { ["alias"] = alias });
            // 5. The preset's rules, unless initial_state sets them (it takes precedence).
            var (joinRule, historyVisibility, guestAccess) = request.PresetState;
            var initialKeys = request.InitialState.Select(s => (s.Type, s.StateKey)).ToHashSet();
            if (!initialKeys.Contains((RoomEventTypes.JoinRules, "")))
                await AddAsync(RoomEventTypes.JoinRules, "", new JsonObject { ["join_rule"] = joinRule });
            if (!initialKeys.Contains((RoomEventTypes.HistoryVisibility, "")))
                await AddAsync(RoomEventTypes.HistoryVisibility, "", new JsonObject { ["history_visibility"] = historyVisibility });
            if (!initialKeys.Contains((RoomEventTypes.GuestAccess, "")))
                await AddAsync(RoomEventTypes.GuestAccess, "", new JsonObject { ["guest_access"] = guestAccess });
            // 6. initial_state, except what name and topic override.
            foreach (var state in request.InitialState)
            {
                if ((state.Type == RoomEventTypes.Name && state.StateKey == "" && request.Name is not null)
                    || (state.Type == RoomEventTypes.Topic && state.StateKey == "" && request.Topic is not null))
                    continue;
                await AddAsync(state.Type, state.StateKey, state.Content);
            }
            // 7. Name and topic.
            if (request.Name is { } name)
                await AddAsync(RoomEventTypes.Name, "", new JsonObject { ["name"] = name });
            if (request.Topic is { } topic)
                await AddAsync(RoomEventTypes.Topic, "", new JsonObject { ["topic"] = topic });
            // 8. Invites of local users.
            foreach (var invitee in request.Invites.Where(u => u != creator && !remoteInvites.IsRemote(u)))
            {
                var content = new JsonObject { ["membership"] = MembershipStates.Invite };
                if (request.IsDirect)
                    content["is_direct"] = true;
                await AddAsync(RoomEventTypes.Member, invitee.ToString(), content);
            }

            await persistence.PersistAsync(new PersistRequest(roomId, version.Id,
                [.. batch.Select((e, i) => new EventToPersist(e.EventId, e.CanonicalJson, IsPublicRoom: i == 0 && request.IsPublic))]),
                cancellationToken);
        }
        catch
        {
            if (alias is not null)
                await aliases.DeleteAsync(alias, CancellationToken.None);
            throw;
        }
        logger.LogInformation("{UserId} created room {RoomId} (version {RoomVersion}, {EventCount} events)",
            sender, roomId, version.Id, batch.Count);
        foreach (var invitee in request.Invites.Where(remoteInvites.IsRemote).Distinct())
        {
            try
            {
                await memberships.InviteAsync(creator, roomId, invitee, reason: null, cancellationToken, isDirect: request.IsDirect);
            }
            catch (MatrixException e)
            {
                logger.LogWarning("Inviting {Invitee} to the new room {RoomId} failed: {Reason}", invitee, roomId, e.Message);
            }
        }
        return roomId;
    }

    private static JsonObject CreateContent(CreateRoomRequest request, string sender)
    {
        var content = request.CreationContent.DeepClone().AsObject();
        var version = request.Version;
        // The server owns these keys (spec: creation_content).
        content["room_version"] = version.Id;
        if (version.ImplicitRoomCreator)
            content.Remove("creator");
        else
            content["creator"] = sender;
        if (version.RoomIdFromCreateEvent && request.Preset == RoomPreset.TrustedPrivateChat && request.Invites.Count > 0)
        {
            // v12: trusted invitees become creators (spec note on trusted_private_chat), merged with
            // any the client listed; a malformed list is left for the auth rules to refuse.
            var merged = content["additional_creators"] as JsonArray ?? (content.ContainsKey("additional_creators") ? null : new JsonArray());
            if (merged is not null)
            {
                var present = merged.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).ToHashSet();
                foreach (var invitee in request.Invites.Select(u => u.ToString()).Where(u => u != sender && !present.Contains(u)))
                    merged.Add(invitee);
                content["additional_creators"] = merged.DeepClone();
            }
        }
        return content;
    }

    /// <summary>
    /// The default power levels: the creator at 100 (v1-11; v12 creators are above all levels and
    /// must not be listed), moderation at 50, room-shaping state at 50-100, and the client's
    /// override applied key by key on top.
    /// </summary>
    private static JsonObject PowerLevelContent(CreateRoomRequest request, string sender)
    {
        var version = request.Version;
        var users = new JsonObject();
        if (!version.RoomIdFromCreateEvent)
        {
            users[sender] = 100;
            if (request.Preset == RoomPreset.TrustedPrivateChat)
                foreach (var invitee in request.Invites)
                    users[invitee.ToString()] = 100;
        }
        var content = new JsonObject
        {
            ["users"] = users,
            ["users_default"] = 0,
            ["events"] = new JsonObject
            {
                [RoomEventTypes.Name] = 50,
                [RoomEventTypes.PowerLevels] = 100,
                [RoomEventTypes.HistoryVisibility] = 100,
                [RoomEventTypes.CanonicalAlias] = 50,
                [RoomEventTypes.Avatar] = 50,
                // v12: above state_default explicitly (spec), since creators are the only ones above 100.
                [RoomEventTypes.Tombstone] = version.RoomIdFromCreateEvent ? 150 : 100,
                [RoomEventTypes.ServerAcl] = 100,
                [RoomEventTypes.Encryption] = 100,
            },
            ["events_default"] = 0,
            ["state_default"] = 50,
            ["ban"] = 50,
            ["kick"] = 50,
            ["redact"] = 50,
            // Private rooms let any member invite; public ones leave it to moderators.
            ["invite"] = request.Preset == RoomPreset.PublicChat ? 50 : 0,
            ["notifications"] = new JsonObject { ["room"] = 50 },
        };
        if (request.PowerLevelOverride is { } overrides)
            foreach (var (key, value) in overrides)
                content[key] = value?.DeepClone();
        return content;
    }
}
