using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Configuration;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventCreator.Building;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.EventCreator.Sending;

/// <summary>
/// PUT /send, PUT /state and PUT /redact: a client's event into an existing room, with the
/// checks the auth rules leave to the server (who may redact what, canonical aliases that
/// really point at the room).
/// </summary>
public sealed class RoomEventActions(
    RoomEventSender sender, EventStore events, RoomStateStore state, RoomAliasStore aliases, IOptions<ClusterOptions> options)
{
    public async Task<SentEvent> SendMessageAsync(
        Requester requester, string roomId, string type, string txnId, JsonObject content, CancellationToken cancellationToken)
    {
        var transaction = new ClientTransaction(requester.User.ToString(), requester.DeviceId, $"send {roomId} {type}", txnId);
        if (type == RoomEventTypes.Redaction)
        {
            var redacts = content.OptionalString("redacts")
                ?? throw MatrixException.MissingParam("A redaction's content names the event it redacts in 'redacts'.");
            return await RedactAsync(requester, roomId, RequestValues.EventId(redacts).ToString(), content, transaction, cancellationToken);
        }
        var userId = requester.User.ToString();
        return await sender.SendAsync(new SendRequest(roomId, [], _ =>
            EventPlan.Send(new EventDraft(type, null, userId, content)), transaction), cancellationToken);
    }

    public async Task<SentEvent> SendStateAsync(
        Requester requester, string roomId, string type, string stateKey, JsonObject content, CancellationToken cancellationToken)
    {
        var userId = requester.User.ToString();
        if (type == RoomEventTypes.CanonicalAlias && stateKey == "")
            await CheckCanonicalAliasesAsync(roomId, content, cancellationToken);
        // An ACL that shuts this server out would cut the room off from it for good.
        if (type == RoomEventTypes.ServerAcl && stateKey == "" && !ServerAcl.FromContent(content).Allows(options.Value.ServerName))
            throw MatrixException.InvalidParam($"This server ACL would ban this server ({options.Value.ServerName}) from the room.");
        return await sender.SendAsync(new SendRequest(roomId, [(type, stateKey)], _ =>
            EventPlan.Send(new EventDraft(type, stateKey, userId, content))), cancellationToken);
    }

    /// <summary>
    /// Redacts <paramref name="targetId"/>: users may redact their own events, and others' when
    /// their power level reaches the room's <c>redact</c> level. The redaction is recorded as
    /// applying only then, so a stored redaction always removes content.
    /// </summary>
    public async Task<SentEvent> RedactAsync(
        Requester requester, string roomId, string targetId, JsonObject content, ClientTransaction transaction,
        CancellationToken cancellationToken)
    {
        var target = await events.GetEventAsync(targetId, cancellationToken);
        if (target is null || target.RoomId != roomId)
            throw MatrixException.NotFound($"Event {targetId} is not in room {roomId}.");
        var userId = requester.User.ToString();
        return await sender.SendAsync(new SendRequest(roomId, [(RoomEventTypes.Member, userId)], room =>
        {
            if (target.Sender != userId)
            {
                var level = RoomPowerLevels.UserLevel(room.Version, room.Get(RoomEventTypes.Create, ""), room.Get(RoomEventTypes.PowerLevels, ""), userId);
                var needed = RoomPowerLevels.RedactLevel(room.Version, room.Get(RoomEventTypes.Create, ""), room.Get(RoomEventTypes.PowerLevels, ""));
                if (level < needed)
                    throw MatrixException.Forbidden("You may only redact your own events without the power level to redact others'.");
            }
            var redactionContent = content.DeepClone().AsObject();
            JsonObject? topLevel = null;
            if (room.Version.UpdatedRedactionRules)
            {
                redactionContent["redacts"] = targetId;
            }
            else
            {
                // Before v11 the target sits at the top level (spec: PUT /send moves it there).
                redactionContent.Remove("redacts");
                topLevel = new JsonObject { ["redacts"] = targetId };
            }
            return EventPlan.Send(new EventDraft(RoomEventTypes.Redaction, null, userId, redactionContent, topLevel), targetId);
        }, transaction), cancellationToken);
    }

    /// <summary>
    /// New aliases in an m.room.canonical_alias must be valid and point at this room (spec: PUT
    /// /state); aliases of other servers cannot be checked without federation, so they are refused.
    /// </summary>
    private async Task CheckCanonicalAliasesAsync(string roomId, JsonObject content, CancellationToken cancellationToken)
    {
        var listed = new List<string>();
        if (content.OptionalString("alias") is { } alias)
            listed.Add(alias);
        foreach (var item in content.OptionalArray("alt_aliases") ?? [])
            listed.Add(item is JsonValue v && v.TryGetValue<string>(out var s)
                ? s
                : throw MatrixException.InvalidParam("'alt_aliases' must list room aliases as strings."));
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.CanonicalAlias, "", cancellationToken) is { } current
            && current.ParseJson()["content"] is JsonObject currentContent)
        {
            if (currentContent["alias"] is JsonValue a && a.TryGetValue<string>(out var s))
                present.Add(s);
            foreach (var item in currentContent["alt_aliases"] as JsonArray ?? [])
                if (item is JsonValue v && v.TryGetValue<string>(out var alt))
                    present.Add(alt);
        }
        foreach (var candidate in listed.Distinct().Where(a => !present.Contains(a)))
        {
            if (!RoomAlias.TryParse(candidate, out var parsed))
                throw MatrixException.InvalidParam($"'{candidate}' is not a valid room alias.");
            if (parsed.ServerName.ToString() != options.Value.ServerName
                || (await aliases.GetAsync(candidate, cancellationToken))?.RoomId != roomId)
                throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.BadAlias,
                    $"Room alias {candidate} does not point to this room.");
        }
    }
}
