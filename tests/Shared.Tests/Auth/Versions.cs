using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Room version sets for TestCaseSource, named after the feature that separates them.</summary>
public static class Versions
{
    public static IEnumerable<RoomVersion> All => RoomVersions.RoomVersions.All;
    public static IEnumerable<RoomVersion> Where(Func<RoomVersion, bool> predicate) => All.Where(predicate);

    public static IEnumerable<RoomVersion> WithCreatorField => Where(v => !v.ImplicitRoomCreator);
    public static IEnumerable<RoomVersion> WithImplicitCreator => Where(v => v.ImplicitRoomCreator);
    public static IEnumerable<RoomVersion> WithDomainRoomIds => Where(v => !v.RoomIdFromCreateEvent);
    public static IEnumerable<RoomVersion> WithAliasesRule => Where(v => v.SpecialCasedAliasesAuth);
    public static IEnumerable<RoomVersion> WithoutAliasesRule => Where(v => !v.SpecialCasedAliasesAuth);
    public static IEnumerable<RoomVersion> WithKnock => Where(v => v.KnockJoinRule);
    public static IEnumerable<RoomVersion> WithoutKnock => Where(v => !v.KnockJoinRule);
    public static IEnumerable<RoomVersion> WithKnockButNotKnockRestricted => Where(v => v.KnockJoinRule && !v.KnockRestrictedJoinRule);
    public static IEnumerable<RoomVersion> WithRestricted => Where(v => v.RestrictedJoinRule);
    public static IEnumerable<RoomVersion> WithoutRestricted => Where(v => !v.RestrictedJoinRule);
    public static IEnumerable<RoomVersion> WithKnockRestricted => Where(v => v.KnockRestrictedJoinRule);
    public static IEnumerable<RoomVersion> WithoutKnockRestricted => Where(v => !v.KnockRestrictedJoinRule);
    public static IEnumerable<RoomVersion> WithIntPowerLevels => Where(v => v.EnforceIntPowerLevels);
    public static IEnumerable<RoomVersion> WithStringPowerLevels => Where(v => !v.EnforceIntPowerLevels);
    public static IEnumerable<RoomVersion> WithFloatPowerLevels => Where(v => !v.StrictCanonicalJson);
    public static IEnumerable<RoomVersion> WithStrictJson => Where(v => v.StrictCanonicalJson);
    public static IEnumerable<RoomVersion> WithNotificationsProtected => Where(v => v.LimitNotificationsPowerLevels);
    public static IEnumerable<RoomVersion> WithNotificationsUnprotected => Where(v => !v.LimitNotificationsPowerLevels);
    public static IEnumerable<RoomVersion> WithRedactionRule => Where(v => v.ServerGeneratedEventIds);
    public static IEnumerable<RoomVersion> WithoutRedactionRule => Where(v => !v.ServerGeneratedEventIds);
    public static IEnumerable<RoomVersion> WithCreatorsInPowerLevels => Where(v => !v.RoomIdFromCreateEvent);
    public static IEnumerable<RoomVersion> WithUnlimitedCreators => Where(v => v.RoomIdFromCreateEvent);
}
