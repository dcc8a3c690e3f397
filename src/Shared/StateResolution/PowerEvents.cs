using Cluster.Shared.Events;

namespace Cluster.Shared.StateResolution;

/// <summary>The spec's "power events": those that might remove someone's ability to do something in the room.</summary>
internal static class PowerEvents
{
    /// <remarks>
    /// The spec names power_levels and join_rules events, and kicks and bans (a leave or ban membership sent
    /// by someone other than its target). Like the deployed servers we count those only with the empty state
    /// key that gives them meaning, and count the create event too: it can only be conflicted in broken input,
    /// and there it belongs at the front of the ordering, which is where it sorts having no auth events.
    /// </remarks>
    public static bool IsPowerEvent(Pdu ev)
    {
        if (ev.StateKey is null) return false;
        switch (ev.Type)
        {
            case AuthGraph.PowerLevelsType or "m.room.join_rules" or AuthGraph.CreateType:
                return ev.StateKey.Length == 0;
            case "m.room.member":
                var membership = Pdu.StringOf(ev.Content["membership"]);
                return membership is "leave" or "ban" && !string.Equals(ev.Sender, ev.StateKey, StringComparison.Ordinal);
            default:
                return false;
        }
    }
}
