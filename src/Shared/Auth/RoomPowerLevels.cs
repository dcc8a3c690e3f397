using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>
/// Power levels as the authorization rules read them, for callers outside the rules (state resolution
/// orders events by their senders' levels; clients are told who may do what).
/// </summary>
public static class RoomPowerLevels
{
    /// <summary>The level of a v12 room creator: greater than any level a power levels event can hold.</summary>
    public const long Unlimited = PowerLevels.Unlimited;

    /// <summary>
    /// <paramref name="userId"/>'s power level given the room's create event and power levels event (either may be
    /// absent): v12 creators are <see cref="Unlimited"/>; without power levels the v1-v11 creator has 100 and everyone
    /// else 0; otherwise <c>users</c>, then <c>users_default</c>, read as the room version allows (strings before v10,
    /// floats before v6). A value the version cannot read counts as 0, so that orderings built on this never fail.
    /// </summary>
    public static long UserLevel(RoomVersion version, Pdu? createEvent, Pdu? powerLevelsEvent, string userId)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(userId);
        try
        {
            return new PowerLevels(powerLevelsEvent?.Content, version, new RoomCreators(createEvent)).UserLevel(userId);
        }
        catch (MalformedPowerLevelsException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The level needed to redact other users' events (<c>redact</c>, 50 by default). A value the
    /// version cannot read counts as unreachable, so that nobody gains the right by a malformed event.
    /// </summary>
    public static long RedactLevel(RoomVersion version, Pdu? createEvent, Pdu? powerLevelsEvent)
    {
        ArgumentNullException.ThrowIfNull(version);
        try
        {
            return new PowerLevels(powerLevelsEvent?.Content, version, new RoomCreators(createEvent)).RedactLevel;
        }
        catch (MalformedPowerLevelsException)
        {
            return long.MaxValue;
        }
    }

    /// <summary>The level needed to send an event of <paramref name="type"/> (state or not); malformed levels count as unreachable.</summary>
    public static long RequiredToSend(RoomVersion version, Pdu? createEvent, Pdu? powerLevelsEvent, string type, bool isState)
    {
        ArgumentNullException.ThrowIfNull(version);
        try
        {
            return new PowerLevels(powerLevelsEvent?.Content, version, new RoomCreators(createEvent)).RequiredToSend(type, isState);
        }
        catch (MalformedPowerLevelsException)
        {
            return long.MaxValue;
        }
    }
}
