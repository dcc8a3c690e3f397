using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Member rules, membership "knock" (v7+; knock_restricted from v10).</summary>
public class KnockRulesTests
{
    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void KnockOnAKnockRoomIsAllowedFromV7(RoomVersion version)
    {
        var room = Standard(version, "knock");
        var knock = room.Member(Dave, Dave, "knock");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(knock).Allowed, Is.True);
            Assert.That(room.CheckAgainstAuthEvents(knock).Allowed, Is.True, room.CheckAgainstAuthEvents(knock).Reason);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutKnock))]
    public void KnockIsAnUnknownMembershipBeforeV7(RoomVersion version)
    {
        var room = Standard(version, "knock");
        Assert.That(room.Check(room.Member(Dave, Dave, "knock")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void KnockOnAPublicRoomIsRejected(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Member(Dave, Dave, "knock")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void KnockForSomeoneElseIsRejected(RoomVersion version)
    {
        var room = Standard(version, "knock");
        Assert.That(room.Check(room.Member(Alice, Dave, "knock")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void JoinedInvitedOrBannedUsersCannotKnock(RoomVersion version)
    {
        var room = Standard(version, "knock");
        room.Invite(Alice, Bob);
        room.Ban(Alice, Carol);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Alice, Alice, "knock")).Allowed, Is.False, "joined");
            Assert.That(room.Check(room.Member(Bob, Bob, "knock")).Allowed, Is.False, "invited");
            Assert.That(room.Check(room.Member(Carol, Carol, "knock")).Allowed, Is.False, "banned");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void UserWhoLeftMayKnock(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Leave(Bob);
        room.Send("m.room.join_rules", Alice, "", """{"join_rule":"knock"}""");
        Assert.That(room.Check(room.Member(Bob, Bob, "knock")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnockRestricted))]
    public void KnockOnAKnockRestrictedRoomIsAllowedFromV10(RoomVersion version)
    {
        var room = Standard(version, "knock_restricted");
        Assert.That(room.Check(room.Member(Dave, Dave, "knock")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnockButNotKnockRestricted))]
    public void KnockOnAKnockRestrictedRoomIsRejectedInV7ToV9(RoomVersion version)
    {
        var room = Standard(version, "knock_restricted");
        Assert.That(room.Check(room.Member(Dave, Dave, "knock")).Allowed, Is.False);
    }
}
