using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.Auth;

/// <summary>The outcome of an authorization check; <see cref="Reason"/> names the rule that refused.</summary>
public readonly record struct AuthDecision(bool Allowed, string? Reason)
{
    public static AuthDecision Allow => new(true, null);
    public static AuthDecision Deny(string reason) => new(false, reason);
}

/// <summary>The authorization rules of the room versions (spec: "Authorization rules" per room version).</summary>
public static class EventAuth
{
    /// <summary>
    /// Checks <paramref name="ev"/> against <paramref name="state"/>, the room state keyed by (type, state_key)
    /// that it is authorized against (its auth events, the state before it, or the current state).
    /// For room version 12 the create event must be present in <paramref name="state"/> under ("m.room.create", "").
    /// </summary>
    public static AuthDecision Check(Pdu ev, IReadOnlyDictionary<(string Type, string StateKey), Pdu> state)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ArgumentNullException.ThrowIfNull(state);
        if (ev.Type == EventTypes.Create) return CreateEventRules.Check(ev);
        if (!state.TryGetValue((EventTypes.Create, ""), out var create))
            return AuthDecision.Deny("there is no m.room.create event in the state");
        try
        {
            return CheckAgainstState(ev, new AuthState(ev.Version, state, create));
        }
        catch (MalformedPowerLevelsException e)
        {
            return AuthDecision.Deny($"the room's power levels cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// Checks <paramref name="ev"/> against its own auth_events: the list must be exactly the events named by
    /// <c>auth_events</c>, contain no duplicate (type, state_key), only entries the auth event selection allows,
    /// all in the same room; then the rules run against them. For room version 12 the create event is not in
    /// auth_events and is passed as <paramref name="createEvent"/>.
    /// Whether an auth event was itself rejected is the caller's knowledge: pass only accepted events.
    /// </summary>
    public static AuthDecision CheckAgainstAuthEvents(Pdu ev, IReadOnlyList<Pdu> authEvents, Pdu? createEvent = null)
    {
        ArgumentNullException.ThrowIfNull(ev);
        ArgumentNullException.ThrowIfNull(authEvents);
        if (ev.Type == EventTypes.Create) return CreateEventRules.Check(ev);

        var version = ev.Version;
        if (version.RoomIdFromCreateEvent)
        {
            if (createEvent is null || createEvent.Type != EventTypes.Create || createEvent.StateKey != "")
                return AuthDecision.Deny("a v12 event needs its room's create event to be authorized");
            if (!IsRoomIdOf(ev.RoomId, createEvent)) return AuthDecision.Deny("room_id is not the create event's ID");
        }

        if (authEvents.Count != ev.AuthEventIds.Count)
            return AuthDecision.Deny("the auth events given are not those the event cites");
        var allowed = AuthEventSelection.Select(ev);
        var state = new Dictionary<(string Type, string StateKey), Pdu>(authEvents.Count + 1);
        foreach (var auth in authEvents)
        {
            if (!ev.AuthEventIds.Contains(auth.EventId))
                return AuthDecision.Deny($"auth event {auth.EventId} is not cited by the event");
            if (auth.StateKeyTuple is not { } key) return AuthDecision.Deny($"auth event {auth.EventId} is not a state event");
            if (auth.RoomId != ev.RoomId) return AuthDecision.Deny($"auth event {auth.EventId} is in another room");
            if (!state.TryAdd(key, auth)) return AuthDecision.Deny($"auth events cite ({key.Type}, '{key.StateKey}') twice");
            if (!allowed.Contains(key))
                return AuthDecision.Deny($"auth event {auth.EventId} ({key.Type}, '{key.StateKey}') is not one the event may cite");
        }

        if (version.RoomIdFromCreateEvent) state[(EventTypes.Create, "")] = createEvent!;
        else if (!state.ContainsKey((EventTypes.Create, ""))) return AuthDecision.Deny("the auth events hold no m.room.create event");
        return Check(ev, state);
    }

    /// <summary>The rules after rule 1 (create) and the auth_events list checks, in the spec's order.</summary>
    private static AuthDecision CheckAgainstState(Pdu ev, in AuthState room)
    {
        var version = ev.Version;
        if (version.RoomIdFromCreateEvent && !IsRoomIdOf(ev.RoomId, room.Create))
            return AuthDecision.Deny("room_id is not the create event's ID");

        if (room.Create.Content[ContentKeys.Federate] is JsonValue federate && federate.GetValueKind() == JsonValueKind.False
            && !MatrixIds.SameDomain(ev.Sender, room.Create.Sender))
            return AuthDecision.Deny("the room does not federate and the sender is on another server");

        if (version.SpecialCasedAliasesAuth && ev.Type == EventTypes.Aliases)
        {
            if (ev.StateKey is null) return AuthDecision.Deny("m.room.aliases without a state_key");
            return MatrixIds.DomainOf(ev.Sender) == ev.StateKey
                ? AuthDecision.Allow
                : AuthDecision.Deny("m.room.aliases state_key is not the sender's server");
        }

        if (ev.Type == EventTypes.Member) return MembershipRules.Check(ev, room);

        if (room.MembershipOf(ev.Sender) != Membership.Join) return AuthDecision.Deny("the sender is not joined to the room");

        var levels = room.PowerLevels;
        var senderLevel = levels.UserLevel(ev.Sender);
        if (ev.Type == EventTypes.ThirdPartyInvite)
            return senderLevel >= levels.InviteLevel
                ? AuthDecision.Allow
                : AuthDecision.Deny("m.room.third_party_invite: sender is below the invite level");

        if (levels.RequiredToSend(ev.Type, ev.IsState) > senderLevel)
            return AuthDecision.Deny($"the sender's power level is below the level required for {ev.Type}");

        if (ev.StateKey is { } stateKey && stateKey.StartsWith('@') && stateKey != ev.Sender)
            return AuthDecision.Deny("a state_key starting with '@' must be the sender");

        if (ev.Type == EventTypes.PowerLevels) return PowerLevelChangeRules.Check(ev, room);

        // v1/v2 only: later versions leave redactions to the same checks as any event and to the
        // "handling redactions" step, because their event IDs carry no server name to compare.
        if (version.ServerGeneratedEventIds && ev.Type == EventTypes.Redaction)
        {
            if (senderLevel >= levels.RedactLevel) return AuthDecision.Allow;
            return ev.Redacts is { } redacts && MatrixIds.DomainOf(redacts) is { } domain && domain == MatrixIds.DomainOf(ev.EventId)
                ? AuthDecision.Allow
                : AuthDecision.Deny("redaction: sender is below the redact level and the redacted event is from another server");
        }

        return AuthDecision.Allow;
    }

    /// <summary>v12: a room's ID is its create event's ID with the '!' sigil instead of '$'.</summary>
    private static bool IsRoomIdOf(string roomId, Pdu create) =>
        roomId.Length == create.EventId.Length && roomId.Length > 1 && roomId[0] == '!'
        && roomId.AsSpan(1).SequenceEqual(create.EventId.AsSpan(1));
}
