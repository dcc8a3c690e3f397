using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.FederationReader.Devices;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

/// <summary>
/// <c>m.device_list_update</c> (<c>{user_id, device_id, device_display_name?, stream_id, prev_id?, deleted?, keys?}</c>):
/// a device of a user of the origin was added, renamed or deleted. Kept in the user's cached list
/// (<see cref="RemoteDeviceListStore"/>) when the user shares a room with a local user; applied
/// when it follows on from the list held, otherwise the list is marked for a resync that
/// <see cref="RemoteDeviceListResync"/> does in the background (this only wakes it). An update
/// whose fields have the wrong types or sizes is dropped: the next one then names a prev_id this
/// server does not have, and the resync repairs the list. <c>keys</c> are not kept (end-to-end
/// encryption is not built).
/// </summary>
public sealed class InboundDeviceListUpdates(
    RemoteDeviceListStore lists, RoomsSharedWithLocalUsers sharedRooms, DeviceListResyncSignal resync, TimeProvider clock,
    ILogger<InboundDeviceListUpdates> logger)
{
    public const string EduType = "m.device_list_update";

    /// <summary>Most prev_ids taken in one update; a real server names one or a few.</summary>
    public const int MaxPrevIds = 100;

    public async Task ApplyAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        if (!EduOrigin.IsUserOf(origin, content["user_id"], out var userId))
        {
            logger.LogInformation("{Origin} sent an m.device_list_update EDU for {UserId}, who is not its user; ignoring it",
                origin, content["user_id"]?.ToJsonString());
            return;
        }
        if (!TryRead(userId, content, out var update))
        {
            logger.LogInformation("{Origin} sent a malformed m.device_list_update EDU for {UserId}; ignoring it", origin, userId);
            return;
        }
        if (!await sharedRooms.AnyAsync(userId, cancellationToken))
        {
            logger.LogInformation("{UserId} of {Origin} shares no room with a local user; ignoring its m.device_list_update EDU", userId, origin);
            return;
        }
        var verdict = await lists.ApplyAsync(update, clock.GetUtcNow(), cancellationToken);
        logger.LogDebug("Device list update {StreamId} of {UserId} from {Origin}: {Verdict}", update.StreamId, userId, origin, verdict);
        if (verdict == DeviceListVerdict.Resync)
            resync.Wake();
    }

    /// <summary>The update, when every field has the spec's type and a sane size.</summary>
    public static bool TryRead(string userId, JsonObject content, [NotNullWhen(true)] out DeviceListUpdate? update)
    {
        update = null;
        if (Pdu.StringOf(content["device_id"]) is not { Length: > 0 and <= DeviceStore.MaxDeviceIdLength } deviceId
            || Pdu.IntegerOf(content["stream_id"]) is not { } streamId)
            return false;

        string? displayName = null;
        if (content["device_display_name"] is { } nameNode)
        {
            if (Pdu.StringOf(nameNode) is not { Length: <= DeviceStore.MaxDisplayNameLength } name)
                return false;
            displayName = name.Length > 0 ? name : null;
        }

        var deleted = false;
        if (content["deleted"] is { } deletedNode && (deletedNode is not JsonValue flag || !flag.TryGetValue(out deleted)))
            return false;

        var prevIds = new List<long>();
        if (content["prev_id"] is { } prevNode)
        {
            if (prevNode is not JsonArray prevs || prevs.Count > MaxPrevIds)
                return false;
            foreach (var prev in prevs)
            {
                if (Pdu.IntegerOf(prev) is not { } prevId)
                    return false;
                prevIds.Add(prevId);
            }
        }
        update = new DeviceListUpdate(userId, deviceId, deleted ? null : displayName, deleted, streamId, prevIds);
        return true;
    }
}
