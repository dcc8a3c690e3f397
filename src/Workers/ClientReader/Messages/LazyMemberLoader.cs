using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.ClientReader.Messages;

/// <summary>
/// Lazy-loading room members (spec: "Lazy-loading room members"): the m.room.member events a
/// client needs to show who sent the events it was given, instead of the whole member list.
/// </summary>
public sealed class LazyMemberLoader(RoomStateStore state, EventStore events)
{
    /// <summary>
    /// For /messages: each sender's member event as of each event they sent (the state before it;
    /// their own membership event stands for itself when nothing came before it), deduplicated,
    /// ordered by user then stream position.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> AtEachEventAsync(IReadOnlyList<StoredEvent> chunk, CancellationToken cancellationToken)
    {
        if (chunk.Count == 0)
            return [];
        var keys = SenderKeys(chunk);
        var byGroup = new Dictionary<long, IReadOnlyDictionary<(string Type, string StateKey), string>>();
        var memberIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in chunk)
        {
            string? memberId = null;
            var group = await state.GetStateGroupBeforeEventAsync(e.EventId, cancellationToken);
            if (group is { } g)
            {
                if (!byGroup.TryGetValue(g, out var ids))
                {
                    ids = await state.GetStateIdsOfGroupAsync(g, keys, cancellationToken);
                    byGroup[g] = ids;
                }
                memberId = ids.GetValueOrDefault((RoomEventTypes.Member, e.Sender));
            }
            if (memberId is null && e.Type == RoomEventTypes.Member && e.StateKey == e.Sender)
                memberId = e.EventId;
            if (memberId is not null)
                memberIds.Add(memberId);
        }
        return await LoadAsync(memberIds, cancellationToken);
    }

    /// <summary>For /context: the senders' member events in the state after <paramref name="at"/>.</summary>
    public async Task<IReadOnlyList<StoredEvent>> AfterEventAsync(
        StoredEvent at, IReadOnlyList<StoredEvent> senders, CancellationToken cancellationToken)
    {
        var ids = await state.GetStateIdsAfterEventAsync(at, SenderKeys(senders), cancellationToken);
        return ids is null ? [] : await LoadAsync([.. ids.Values], cancellationToken);
    }

    private static (string Type, string StateKey)[] SenderKeys(IEnumerable<StoredEvent> events) =>
        [.. events.Select(e => e.Sender).Distinct(StringComparer.Ordinal).Select(s => (RoomEventTypes.Member, s))];

    private async Task<IReadOnlyList<StoredEvent>> LoadAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var found = await events.GetEventsAsync(ids, cancellationToken);
        return [.. found.Values.OrderBy(e => e.StateKey, StringComparer.Ordinal).ThenBy(e => e.StreamOrdering)];
    }
}
