using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// History visibility for another server (what Synapse's filter_events_for_server does): a server
/// may see an event whose room history was <c>shared</c> or <c>world_readable</c> at the event, or
/// at which one of its users was joined (or invited, under <c>invited</c>). As for users, the event's
/// own effect counts: the state before it or after it may allow it. Events without known state
/// (outliers) are not visible. Events a server may not see are served to it redacted, so that its
/// copy of the room's graph stays whole while their content stays here.
/// </summary>
public sealed class ServerEventVisibility(RoomStateStore state)
{
    /// <summary>The IDs of the events among <paramref name="candidates"/> that <paramref name="server"/> may see in full.</summary>
    public async Task<IReadOnlySet<string>> VisibleAsync(
        ServerName server, IReadOnlyCollection<StoredEvent> candidates, CancellationToken cancellationToken)
    {
        var visible = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Count == 0)
            return visible;
        var serverName = server.ToString();
        var groups = await state.GetStateGroupsBeforeEventsAsync([.. candidates.Select(e => e.EventId)], cancellationToken);
        var views = await state.GetServerViewsOfGroupsAsync([.. groups.Values], serverName, cancellationToken);
        foreach (var e in candidates)
        {
            if (groups.TryGetValue(e.EventId, out var group)
                && IsVisible(e, views.GetValueOrDefault(group) ?? ServerViewOfState.Empty, serverName))
                visible.Add(e.EventId);
        }
        return visible;
    }

    private static bool IsVisible(StoredEvent e, ServerViewOfState before, string serverName)
    {
        var visibilityBefore = Normalise(before.HistoryVisibility);
        var visibilityAfter = e.Type == RoomEventTypes.HistoryVisibility && e.StateKey == ""
            ? Normalise(HistoryVisibilityOf(e))
            : visibilityBefore;
        if (IsOpen(visibilityBefore) || IsOpen(visibilityAfter))
            return true;

        var joined = before.AnyJoined;
        var invited = before.AnyInvited;
        if (e.Type == RoomEventTypes.Member && e.StateKey is { } member && ServerOf(member) == serverName)
        {
            joined |= e.Membership == MembershipStates.Join;
            invited |= e.Membership == MembershipStates.Invite;
        }
        if (joined)
            return true;
        return invited && (visibilityBefore == HistoryVisibilityValues.Invited || visibilityAfter == HistoryVisibilityValues.Invited);
    }

    private static bool IsOpen(string visibility) =>
        visibility is HistoryVisibilityValues.Shared or HistoryVisibilityValues.WorldReadable;

    /// <summary>Absent or unknown values count as "shared" (spec).</summary>
    private static string Normalise(string? visibility) => visibility switch
    {
        HistoryVisibilityValues.WorldReadable or HistoryVisibilityValues.Invited or HistoryVisibilityValues.Joined => visibility,
        _ => HistoryVisibilityValues.Shared,
    };

    // history_visibility survives redaction, so the stored content is right either way.
    private static string? HistoryVisibilityOf(StoredEvent e) =>
        e.ParseJson()["content"]?["history_visibility"] is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : null;

    /// <summary>The server part of a user ID: everything after its first ':'.</summary>
    private static string ServerOf(string userId)
    {
        var colon = userId.IndexOf(':');
        return colon < 0 ? "" : userId[(colon + 1)..];
    }
}
