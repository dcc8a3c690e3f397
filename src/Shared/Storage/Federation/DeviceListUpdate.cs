namespace Cluster.Shared.Storage.Federation;

/// <summary>
/// One change to another server's user's device list, as an <c>m.device_list_update</c> EDU
/// announces it: the device added or renamed (with its display name, null when it has none) or
/// deleted, the origin's <see cref="StreamId"/> for the change, and the stream IDs it follows on
/// from (<c>prev_id</c>).
/// </summary>
public sealed record DeviceListUpdate(
    string UserId, string DeviceId, string? DisplayName, bool Deleted, long StreamId, IReadOnlyList<long> PrevIds);

/// <summary>What to do with an update, given the list held for its user.</summary>
public enum DeviceListVerdict
{
    /// <summary>It follows on from the list held: apply it.</summary>
    Apply,

    /// <summary>The list held already has it (a repeat, or older than the last resync).</summary>
    AlreadyHeld,

    /// <summary>An update between the list held and this one is missing (or no list is held): fetch the whole list.</summary>
    Resync,
}

/// <summary>
/// The chaining rule of <c>m.device_list_update</c>: an update can be applied on top of the list
/// held at stream ID <c>held</c> only when each of its <c>prev_id</c>s is a change the list
/// already has (at or before <c>held</c>); an empty <c>prev_id</c> says nothing of what came
/// before (the spec allows it for a first update), so, as Synapse does, it asks for a resync.
/// </summary>
public static class DeviceListChain
{
    public static DeviceListVerdict Judge(long? held, DeviceListUpdate update)
    {
        if (held is not { } version)
            return DeviceListVerdict.Resync;
        if (update.StreamId <= version)
            return DeviceListVerdict.AlreadyHeld;
        return update.PrevIds.Count > 0 && update.PrevIds.All(prev => prev <= version)
            ? DeviceListVerdict.Apply
            : DeviceListVerdict.Resync;
    }
}
