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
    public static AuthDecision Check(Pdu ev, IReadOnlyDictionary<(string Type, string StateKey), Pdu> state) =>
        throw new NotImplementedException("auth rules land in the auth helper's branch");

    /// <summary>
    /// Checks <paramref name="ev"/> against its own auth_events: the list must be exactly the events named by
    /// <c>auth_events</c>, contain no duplicate (type, state_key), only entries the auth event selection allows,
    /// all in the same room; then the rules run against them. For room version 12 the create event is not in
    /// auth_events and is passed as <paramref name="createEvent"/>.
    /// </summary>
    public static AuthDecision CheckAgainstAuthEvents(Pdu ev, IReadOnlyList<Pdu> authEvents, Pdu? createEvent = null) =>
        throw new NotImplementedException("auth rules land in the auth helper's branch");
}
