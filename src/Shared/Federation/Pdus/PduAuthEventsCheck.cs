using Cluster.Shared.Auth;
using Cluster.Shared.Events;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>
/// Check 4 on receipt: the event must pass the authorization rules against its own auth events. First
/// the auth_events list itself: every cited event supplied, none cited twice, none itself rejected, all
/// state events of the same room, no two for one (type, state_key), only what the auth event selection
/// would pick, and the create event (among them before v12; the one the room ID names from v12).
/// </summary>
public static class PduAuthEventsCheck
{
    /// <summary>
    /// Checks <paramref name="ev"/> (an event that passed the signature checks) against the events it cites.
    /// <paramref name="authEvents"/> may hold more than the cited events (the extra are ignored); from v12
    /// it must also hold the room's create event. <paramref name="rejectedEventIds"/> names the events this
    /// server rejected. Missing auth events give <see cref="PduCheckStatus.RetryLater"/> naming them.
    /// </summary>
    public static PduCheckResult Check(Pdu ev, IReadOnlyCollection<Pdu> authEvents, IReadOnlySet<string>? rejectedEventIds = null)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ArgumentNullException.ThrowIfNull(authEvents);
        if (ev.Type == EventTypes.Create)
            return ev.AuthEventIds.Count > 0
                ? Invalid(ev, "the create event cites auth events")
                : Decide(ev, EventAuth.CheckAgainstAuthEvents(ev, []));

        var supplied = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        foreach (var auth in authEvents)
            supplied.TryAdd(auth.EventId, auth);

        var cited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ev.AuthEventIds)
            if (!cited.Add(id)) return Invalid(ev, $"auth_events cites {id} twice");

        var needed = new List<string>(ev.AuthEventIds);
        var createId = CreateEventIdOfRoom(ev);
        if (createId is not null && !cited.Contains(createId)) needed.Add(createId);

        var missing = needed.Where(id => !supplied.ContainsKey(id)).ToArray();
        if (missing.Length > 0)
            return PduCheckResult.RetryLater(ev, new PduFailure(PduFailureReason.AuthEventsMissing,
                $"{missing.Length} auth events were not supplied"), missing);
        if (rejectedEventIds is not null && needed.FirstOrDefault(rejectedEventIds.Contains) is { } rejected)
            return PduCheckResult.Rejected(ev, new PduFailure(PduFailureReason.AuthEventRejected, $"auth event {rejected} was rejected"));

        var citedEvents = ev.AuthEventIds.Select(id => supplied[id]).ToArray();
        if (ListViolation(ev, citedEvents) is { } violation) return Invalid(ev, violation);
        var create = createId is null ? null : supplied[createId];
        return Decide(ev, EventAuth.CheckAgainstAuthEvents(ev, citedEvents, create));
    }

    /// <summary>The auth_events rules of every room version ("considering the event's auth_events").</summary>
    private static string? ListViolation(Pdu ev, IReadOnlyList<Pdu> cited)
    {
        var selection = AuthEventSelection.Select(ev);
        var seen = new HashSet<(string Type, string StateKey)>();
        foreach (var auth in cited)
        {
            if (auth.RoomId != ev.RoomId) return $"auth event {auth.EventId} is in {auth.RoomId}";
            if (auth.StateKeyTuple is not { } key) return $"auth event {auth.EventId} is not a state event";
            if (!seen.Add(key)) return $"auth_events cites two ({key.Type}, '{key.StateKey}') events";
            if (!selection.Contains(key))
                return $"auth event {auth.EventId} ({key.Type}, '{key.StateKey}') is not one the auth event selection picks";
        }
        if (!ev.Version.RoomIdFromCreateEvent && !seen.Contains((EventTypes.Create, "")))
            return "auth_events holds no m.room.create event";
        return null;
    }

    /// <summary>From v12 the room ID is the create event's ID with another sigil; before, the create event is cited.</summary>
    private static string? CreateEventIdOfRoom(Pdu ev) =>
        ev.Version.RoomIdFromCreateEvent && ev.RoomId.Length > 1 && ev.RoomId[0] == '!' ? "$" + ev.RoomId[1..] : null;

    private static PduCheckResult Decide(Pdu ev, AuthDecision decision) =>
        decision.Allowed
            ? PduCheckResult.Accepted(ev)
            : PduCheckResult.Rejected(ev, new PduFailure(PduFailureReason.NotAuthorized, decision.Reason ?? "the authorization rules refuse it"));

    private static PduCheckResult Invalid(Pdu ev, string detail) =>
        PduCheckResult.Rejected(ev, new PduFailure(PduFailureReason.AuthEventsInvalid, detail));
}
