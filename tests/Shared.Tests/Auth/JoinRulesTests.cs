using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Member rules, membership "join".</summary>
public class JoinRulesTests
{
    private static string Authorised(string user) => $"\"join_authorised_via_users_server\":\"{user}\"";

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreatorsFirstJoinAfterTheCreateEventIsAllowed(RoomVersion version)
    {
        var room = CreateOnly(version);
        Assert.That(room.Check(room.Member(Alice, Alice, "join")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void OthersFirstJoinAfterTheCreateEventIsRejected(RoomVersion version)
    {
        var room = CreateOnly(version);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorField))]
    public void CreatorFieldNamesTheFirstJoinerBeforeV11(RoomVersion version)
    {
        // Alice sends the create event but names Bob as creator.
        var room = CreateOnly(version, Alice, extraCreateContent: $$"""{"creator":"{{Bob}}"}""");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True);
            Assert.That(room.Check(room.Member(Alice, Alice, "join")).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithImplicitCreator))]
    public void CreateSenderIsTheFirstJoinerFromV11(RoomVersion version)
    {
        var room = CreateOnly(version, Alice, extraCreateContent: $$"""{"creator":"{{Bob}}"}""");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Alice, Alice, "join")).Allowed, Is.True);
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void AdditionalCreatorsAreNotTheFirstJoiner(RoomVersion version)
    {
        var room = CreateOnly(version, Alice, extraCreateContent: $$"""{"additional_creators":["{{Bob}}"]}""");
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreatorJoinThatFollowsOtherEventsNeedsTheJoinRule(RoomVersion version)
    {
        var room = CreateOnly(version);
        var late = room.Build("m.room.member", Alice, Alice, """{"membership":"join"}""",
            prevEvents: [room.CreateEvent.EventId, "$something-else"]);
        Assert.That(room.Check(late).Allowed, Is.False, "no join rules: invite only, and Alice is not invited");
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void JoiningOnBehalfOfAnotherUserIsRejected(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Member(Alice, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void PublicRoomAdmitsAnyone(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BannedUserCannotJoinAPublicRoom(RoomVersion version)
    {
        var room = Standard(version);
        room.Ban(Alice, Bob);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InviteOnlyRoomRejectsTheUninvited(RoomVersion version)
    {
        var room = Standard(version, "invite");
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InviteOnlyRoomAdmitsTheInvited(RoomVersion version)
    {
        var room = Standard(version, "invite");
        room.Invite(Alice, Bob);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InviteOnlyRoomAcceptsARepeatedJoin(RoomVersion version)
    {
        var room = Standard(version, "invite");
        Assert.That(room.Check(room.Member(Alice, Alice, "join", "\"displayname\":\"A\"")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void RoomWithoutJoinRulesIsInviteOnly(RoomVersion version)
    {
        var room = CreateOnly(version);
        room.Join(Alice);
        room.Invite(Alice, Bob);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True);
            Assert.That(room.Check(room.Member(Carol, Carol, "join")).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnock))]
    public void KnockRoomAdmitsTheInvitedFromV7(RoomVersion version)
    {
        var room = Standard(version, "knock");
        room.Invite(Alice, Bob);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True);
            Assert.That(room.Check(room.Member(Carol, Carol, "join")).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutKnock))]
    public void KnockJoinRuleAdmitsNobodyBeforeV7(RoomVersion version)
    {
        var room = Standard(version, "knock");
        room.Invite(Alice, Bob);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnknownJoinRuleAdmitsNobody(RoomVersion version)
    {
        var room = Standard(version, "private");
        room.Invite(Alice, Bob);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedRoomAdmitsAJoinAuthorisedByAJoinedInviter(RoomVersion version)
    {
        var room = Standard(version, "restricted");
        var join = room.Member(Bob, Bob, "join", Authorised(Alice), signedBy: ["example.org"]);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(join).Allowed, Is.True, room.Check(join).Reason);
            Assert.That(room.CheckAgainstAuthEvents(join).Allowed, Is.True, room.CheckAgainstAuthEvents(join).Reason);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedJoinNeedsTheAuthorisingServersSignature(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Dave); // a user on other.example, so the authoriser's server differs from the joiner's
        room.Send("m.room.join_rules", Alice, "", """{"join_rule":"restricted"}""");
        var unsigned = room.Member(Bob, Bob, "join", Authorised(Dave), signedBy: ["example.org"]);
        var signed = room.Member(Bob, Bob, "join", Authorised(Dave), signedBy: ["example.org", "other.example"]);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(unsigned).Allowed, Is.False);
            Assert.That(room.Check(signed).Allowed, Is.True, room.Check(signed).Reason);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedRoomRejectsAJoinWithoutAuthoriser(RoomVersion version)
    {
        var room = Standard(version, "restricted");
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedJoinAuthoriserMustBeJoined(RoomVersion version)
    {
        var room = Standard(version, "restricted");
        room.Invite(Alice, Carol);
        var join = room.Member(Bob, Bob, "join", Authorised(Carol), signedBy: ["example.org"]);
        Assert.That(room.Check(join).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedJoinAuthoriserMustReachTheInviteLevel(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Carol);
        room.Send("m.room.join_rules", Alice, "", """{"join_rule":"restricted"}""");
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice).Replace("\"invite\":0", "\"invite\":50"));
        var join = room.Member(Bob, Bob, "join", Authorised(Carol), signedBy: ["example.org"]);
        Assert.That(room.Check(join).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedRoomAdmitsTheInvitedWithoutAuthoriser(RoomVersion version)
    {
        var room = Standard(version, "restricted");
        room.Invite(Alice, Bob);
        Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutRestricted))]
    public void RestrictedJoinRuleAdmitsNobodyBeforeV8(RoomVersion version)
    {
        var room = Standard(version, "restricted");
        room.Invite(Alice, Bob);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False, "even the invited");
            Assert.That(room.Check(room.Member(Carol, Carol, "join", Authorised(Alice), signedBy: ["example.org"])).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithKnockRestricted))]
    public void KnockRestrictedRoomAdmitsAnAuthorisedJoinFromV10(RoomVersion version)
    {
        var room = Standard(version, "knock_restricted");
        var join = room.Member(Bob, Bob, "join", Authorised(Alice), signedBy: ["example.org"]);
        Assert.That(room.Check(join).Allowed, Is.True, room.Check(join).Reason);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutKnockRestricted))]
    public void KnockRestrictedJoinRuleAdmitsNobodyBeforeV10(RoomVersion version)
    {
        var room = Standard(version, "knock_restricted");
        room.Invite(Alice, Bob);
        var join = room.Member(Carol, Carol, "join", Authorised(Alice), signedBy: ["example.org"]);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(join).Allowed, Is.False);
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutRestricted))]
    public void AuthoriserKeyMeansNothingBeforeV8(RoomVersion version)
    {
        var room = Standard(version);
        var join = room.Member(Bob, Bob, "join", Authorised(Dave));
        Assert.That(room.Check(join).Allowed, Is.True, "no signature from other.example is needed");
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void AuthoriserKeyOnAnyMembershipNeedsTheSignatureFromV8(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        var leave = room.Member(Bob, Bob, "leave", Authorised(Dave));
        Assert.That(room.Check(leave).Allowed, Is.False);
    }
}
