using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>
/// The rules every non-member event passes: create event present, m.federate, aliases (v1-v5),
/// sender joined, required power level, '@' state keys, and the v12 creators' unlimited power.
/// </summary>
public class GeneralRulesTests
{
    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void StateWithoutACreateEventRejectsEverything(RoomVersion version)
    {
        var room = Standard(version);
        var state = room.Snapshot();
        state.Remove(("m.room.create", ""));
        Assert.That(EventAuth.Check(room.Message(Alice), state).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void JoinedMemberMaySendAMessage(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Message(Alice)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NonMemberMayNotSendAMessage(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Message(Bob)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InvitedUserMayNotSendAMessage(RoomVersion version)
    {
        var room = Standard(version);
        room.Invite(Alice, Bob);
        Assert.That(room.Check(room.Message(Bob)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MemberWhoLeftMayNotSendAMessage(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Leave(Bob);
        Assert.That(room.Check(room.Message(Bob)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnfederatedRoomRejectsRemoteSenders(RoomVersion version)
    {
        var room = Standard(version, extraCreateContent: """{"m.federate":false}""");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Member(Dave, Dave, "join")).Allowed, Is.False, "remote join");
            Assert.That(room.Check(room.Member(Bob, Bob, "join")).Allowed, Is.True, "local join");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void FederatedRoomAdmitsRemoteSenders(RoomVersion version)
    {
        var room = Standard(version, extraCreateContent: """{"m.federate":true}""");
        room.Join(Dave);
        Assert.That(room.Check(room.Message(Dave)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithAliasesRule))]
    public void AliasesFromTheSendersServerNeedNoMembershipInV1ToV5(RoomVersion version)
    {
        var room = Standard(version);
        var aliases = room.Build("m.room.aliases", Dave, "other.example", """{"aliases":["#a:other.example"]}""");
        Assert.That(room.Check(aliases).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithAliasesRule))]
    public void AliasesForAnotherServerAreRejectedInV1ToV5(RoomVersion version)
    {
        var room = Standard(version);
        // Alice is joined and at 100, but the rule only looks at the server name.
        var aliases = room.Build("m.room.aliases", Alice, "other.example", """{"aliases":["#a:other.example"]}""");
        Assert.That(room.Check(aliases).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithAliasesRule))]
    public void AliasesWithoutStateKeyAreRejectedInV1ToV5(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Build("m.room.aliases", Alice, null, "{}")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutAliasesRule))]
    public void AliasesAreOrdinaryStateFromV6(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        var fromStranger = room.Build("m.room.aliases", Dave, "other.example", """{"aliases":[]}""");
        var fromMember = room.Build("m.room.aliases", Bob, "example.org", """{"aliases":[]}""");
        var fromAdmin = room.Build("m.room.aliases", Alice, "other.example", """{"aliases":[]}""");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(fromStranger).Allowed, Is.False, "not joined");
            Assert.That(room.Check(fromMember).Allowed, Is.False, "below state_default");
            Assert.That(room.Check(fromAdmin).Allowed, Is.True, "any state key at state_default");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void EventsMapSetsTheRequiredLevel(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.SetUserLevels($"\"{Bob}\":50");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.history_visibility", Bob, "", """{"history_visibility":"shared"}""")).Allowed,
                Is.False, "history_visibility is set to 100");
            Assert.That(room.Check(room.Build("m.room.name", Bob, "", """{"name":"n"}""")).Allowed, Is.True, "state_default 50");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnlistedStateTypesNeedTheStateDefault(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.SetUserLevels($"\"{Bob}\":49");
        Assert.That(room.Check(room.Build("org.example.custom", Bob, "", "{}")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnlistedMessageTypesNeedTheEventsDefault(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice).Replace("\"events_default\":0", "\"events_default\":10"));
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("org.example.custom", Bob, null, "{}")).Allowed, Is.False);
            Assert.That(room.Check(room.Build("org.example.custom", Alice, null, "{}")).Allowed, Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void PowerLevelsWithoutDefaultsUseTheSpecDefaults(RoomVersion version)
    {
        var room = Standard(version, powerLevels: version.RoomIdFromCreateEvent ? "{}" : $$$"""{"users":{"{{{Alice}}}":100}}""");
        room.Join(Bob);
        room.SetUserLevels($"\"{Bob}\":50");
        room.Send("m.room.power_levels", Alice, "", version.RoomIdFromCreateEvent ? $$$"""{"users":{"{{{Bob}}}":49}}""" : $$$"""{"users":{"{{{Alice}}}":100,"{{{Bob}}}":49}}""");
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Message(Bob)).Allowed, Is.True, "events_default 0");
            Assert.That(room.Check(room.Build("m.room.topic", Bob, "", """{"topic":"t"}""")).Allowed, Is.False, "state_default 50");
            Assert.That(room.Check(room.Member(Bob, Carol, "invite")).Allowed, Is.True, "invite 0");
            Assert.That(room.Check(room.Member(Bob, Alice, "ban")).Allowed, Is.False, "ban 50");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void WithoutPowerLevelsTheCreatorHas100AndOthers0(RoomVersion version)
    {
        var room = CreateOnly(version);
        room.Join(Alice);
        room.Send("m.room.join_rules", Alice, "", """{"join_rule":"public"}""");
        room.Join(Bob);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.name", Alice, "", """{"name":"n"}""")).Allowed, Is.True);
            Assert.That(room.Check(room.Build("m.room.name", Bob, "", """{"name":"n"}""")).Allowed, Is.False);
            Assert.That(room.Check(room.Message(Bob)).Allowed, Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void StateKeyNamingAnotherUserIsRejected(RoomVersion version)
    {
        var room = Standard(version);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("org.example.profile", Alice, Bob, "{}")).Allowed, Is.False);
            Assert.That(room.Check(room.Build("org.example.profile", Alice, Alice, "{}")).Allowed, Is.True);
            Assert.That(room.Check(room.Build("org.example.profile", Alice, "alice", "{}")).Allowed, Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12CreatorsOutrankAnyLevel(RoomVersion version)
    {
        var room = Standard(version, extraCreateContent: $$"""{"additional_creators":["{{Bob}}"]}""");
        room.Join(Bob);
        room.Join(Carol);
        room.SetUserLevels($"\"{Carol}\":9007199254740991");
        var tombstone = """{"body":"moved","replacement_room":"!new"}""";
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.tombstone", Alice, "", tombstone)).Allowed, Is.True, "creator");
            Assert.That(room.Check(room.Build("m.room.tombstone", Bob, "", tombstone)).Allowed, Is.True, "additional creator");
            Assert.That(room.Check(room.Member(Carol, Bob, "ban")).Allowed, Is.False, "the highest possible level is still below a creator");
            Assert.That(room.Check(room.Member(Alice, Carol, "ban")).Allowed, Is.True);
            Assert.That(room.Check(room.Member(Alice, Bob, "leave")).Allowed, Is.False, "creators cannot kick each other");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12CreatorsOutrankEveryoneEvenWithoutPowerLevels(RoomVersion version)
    {
        var room = CreateOnly(version, extraCreateContent: $$"""{"additional_creators":["{{Bob}}"]}""");
        room.Join(Alice);
        room.Send("m.room.join_rules", Alice, "", """{"join_rule":"public"}""");
        room.Join(Bob);
        room.Join(Carol);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.name", Bob, "", """{"name":"n"}""")).Allowed, Is.True);
            Assert.That(room.Check(room.Build("m.room.name", Carol, "", """{"name":"n"}""")).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void CreatorsPowerComesFromPowerLevelsBeforeV12(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        // Alice hands her power to Bob and steps down herself.
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice, $"\"{Bob}\":100").Replace($"\"{Alice}\":100", $"\"{Alice}\":0"));
        Assert.That(room.Check(room.Build("m.room.name", Alice, "", """{"name":"n"}""")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnreadablePowerLevelsInStateRejectWithAReason(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Force(room.Build("m.room.power_levels", Alice, "", """{"users_default":"lots"}"""));
        var decision = room.Check(room.Message(Bob));
        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.False);
            Assert.That(decision.Reason, Does.Contain("power levels"));
        });
    }

    [Test]
    public void CheckRefusesNullArguments()
    {
        var room = Standard(RoomVersions.RoomVersions.V10);
        Assert.Multiple(() =>
        {
            Assert.That(() => EventAuth.Check(null!, room.State), Throws.ArgumentNullException);
            Assert.That(() => EventAuth.Check(room.Message(Alice), null!), Throws.ArgumentNullException);
            Assert.That(() => EventAuth.CheckAgainstAuthEvents(room.Message(Alice), null!), Throws.ArgumentNullException);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void DenialsNameTheirRule(RoomVersion version)
    {
        var room = Standard(version);
        AuthDecision decision = room.Check(room.Message(Bob));
        Assert.That(decision.Reason, Does.Contain("not joined"));
    }
}
