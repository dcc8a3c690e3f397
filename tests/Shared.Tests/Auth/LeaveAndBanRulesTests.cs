using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Member rules, memberships "leave" (own leave, kick, unban) and "ban".</summary>
public class LeaveAndBanRulesTests
{
    private static TestRoom RoomWithModerator(RoomVersion version)
    {
        // Alice 100 (creator), Bob 50 (moderator), Carol 0, all joined.
        var room = Standard(version);
        room.Join(Bob);
        room.Join(Carol);
        room.SetUserLevels($"\"{Bob}\":50");
        return room;
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MemberMayLeave(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Member(Carol, Carol, "leave")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InvitedUserMayRejectTheInvite(RoomVersion version)
    {
        var room = Standard(version);
        room.Invite(Alice, Dave);
        Assert.That(room.Check(room.Member(Dave, Dave, "leave")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void StrangerCannotLeave(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Member(Dave, Dave, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BannedUserCannotUnbanThemselvesByLeaving(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        room.Ban(Alice, Carol);
        Assert.That(room.Check(room.Member(Carol, Carol, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void KnockerMayWithdrawFromV7(RoomVersion version)
    {
        var room = Standard(version, "knock");
        room.Send(room.Member(Dave, Dave, "knock"));
        Assert.That(room.Check(room.Member(Dave, Dave, "leave")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutKnock))]
    public void KnockMembershipCannotBeLeftBeforeV7(RoomVersion version)
    {
        var room = Standard(version);
        room.Force(room.Member(Dave, Dave, "knock"));
        Assert.That(room.Check(room.Member(Dave, Dave, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void ModeratorAtTheKickLevelMayKickALowerMember(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Member(Bob, Carol, "leave")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MemberBelowTheKickLevelMayNotKick(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        room.Join(Eve);
        Assert.That(room.Check(room.Member(Carol, Eve, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void KickingAPeerAtTheSameLevelIsRejected(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        room.SetUserLevels($"\"{Bob}\":50,\"{Carol}\":50");
        Assert.That(room.Check(room.Member(Bob, Carol, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void KickingAHigherMemberIsRejected(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Member(Bob, Alice, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void KickerMustBeJoined(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        room.Leave(Bob);
        Assert.That(room.Check(room.Member(Bob, Carol, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnbanRequiresTheBanLevel(RoomVersion version)
    {
        // Bob may kick (kick 50) but not ban (ban 75).
        var room = RoomWithModerator(version);
        room.Ban(Alice, Carol);
        room.Send("m.room.power_levels", Alice, "",
            DefaultPowerLevels(version, Alice, $"\"{Bob}\":50").Replace("\"ban\":50", "\"ban\":75"));
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Bob, Carol, "leave")).Allowed, Is.False);
            Assert.That(room.Check(room.Member(Alice, Carol, "leave")).Allowed, Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnbanAlsoRequiresTheKickLevel(RoomVersion version)
    {
        // Bob may ban (ban 50) but not kick (kick 75).
        var room = RoomWithModerator(version);
        room.Ban(Alice, Carol);
        room.Send("m.room.power_levels", Alice, "",
            DefaultPowerLevels(version, Alice, $"\"{Bob}\":50").Replace("\"kick\":50", "\"kick\":75"));
        Assert.That(room.Check(room.Member(Bob, Carol, "leave")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void ModeratorAtTheBanLevelMayBanALowerUser(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Bob, Carol, "ban")).Allowed, Is.True, "a member");
            Assert.That(room.Check(room.Member(Bob, Dave, "ban")).Allowed, Is.True, "a stranger");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BanRequiresTheBanLevel(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Member(Carol, Dave, "ban")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BanningAPeerAtTheSameLevelIsRejected(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Member(Alice, Alice, "ban")).Allowed, Is.False, "not even oneself");
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BannerMustBeJoined(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        room.Leave(Bob);
        Assert.That(room.Check(room.Member(Bob, Carol, "ban")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnknownMembershipIsRejected(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Member(Alice, Carol, "promote")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MemberEventNeedsAMembership(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Build("m.room.member", Carol, Carol, """{"displayname":"C"}""")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MemberEventNeedsAStateKey(RoomVersion version)
    {
        var room = RoomWithModerator(version);
        Assert.That(room.Check(room.Build("m.room.member", Carol, null, """{"membership":"leave"}""")).Allowed, Is.False);
    }
}
