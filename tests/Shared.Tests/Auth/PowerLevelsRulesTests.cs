using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>The rules for m.room.power_levels events: content shape, then what a sender may change.</summary>
public class PowerLevelsRulesTests
{
    /// <summary>Alice (creator, 100), Bob (moderator, 50), Carol (member, 0), all joined; Bob may send power levels.</summary>
    private static TestRoom Room(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Join(Carol);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50")));
        return room;
    }

    /// <summary>Default levels, with power levels events open to level 50, plus <paramref name="users"/> and edits.</summary>
    private static string Levels(RoomVersion version, string users, Action<JsonObject>? edit = null)
    {
        var content = JsonNode.Parse(DefaultPowerLevels(version, Alice, users))!.AsObject();
        content["events"]!["m.room.power_levels"] = 50;
        edit?.Invoke(content);
        return content.ToJsonString();
    }

    private static bool BobMaySend(TestRoom room, Action<JsonObject> edit) =>
        room.Check(room.Build("m.room.power_levels", Bob, "", Levels(room.Version, $"\"{Bob}\":50", edit))).Allowed;

    // Content shape

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UsersKeysMustBeUserIds(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]!["bob"] = 0), Is.False);
            Assert.That(BobMaySend(room, c => c["users"]!["@nohost"] = 0), Is.False);
            Assert.That(BobMaySend(room, c => c["users"]!["@dan:other.example"] = 0), Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UsersMustBeAnObjectOfLevels(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = "ten"), Is.False);
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = new JsonObject()), Is.False);
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = true), Is.False);
            Assert.That(BobMaySend(room, c => c["users"] = new JsonArray()), Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithStringPowerLevels))]
    public void IntegerStringsAreLevelsBeforeV10(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = "10"), Is.True, "users");
            Assert.That(BobMaySend(room, c => c["ban"] = " +50 "), Is.True, "named level, same value");
            Assert.That(BobMaySend(room, c => c["events"]!["m.room.topic"] = "050"), Is.True, "events");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithIntPowerLevels))]
    public void IntegerStringsAreRejectedFromV10(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = "10"), Is.False, "users");
            Assert.That(BobMaySend(room, c => c["ban"] = "50"), Is.False, "named level");
            Assert.That(BobMaySend(room, c => c["events"]!["m.room.topic"] = "50"), Is.False, "events");
            Assert.That(BobMaySend(room, c => c["notifications"] = new JsonObject { ["room"] = "50" }), Is.False, "notifications");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NonNumericLevelsAreRejected(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["kick"] = "fifty"), Is.False);
            Assert.That(BobMaySend(room, c => c["kick"] = null), Is.False);
            Assert.That(BobMaySend(room, c => c["events"] = new JsonArray()), Is.False);
            Assert.That(BobMaySend(room, c => c["events"]!["m.room.topic"] = new JsonArray()), Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithFloatPowerLevels))]
    public void FloatsAreTruncatedInV1ToV5(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = 49.9), Is.True, "49");
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = 50.7), Is.True, "50: not above Bob");
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = 51.2), Is.False, "51: above Bob");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithStrictJson))]
    public void FloatsAreRejectedFromV6(RoomVersion version)
    {
        var room = Room(version);
        Assert.That(BobMaySend(room, c => c["users"]![Carol] = 10.5), Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithStrictJson))]
    public void LevelsBeyondTheCanonicalIntegerRangeAreRejectedFromV6(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = -9007199254740991L), Is.True);
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = -9007199254740992L), Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithNotificationsUnprotected))]
    public void NotificationsShapeIsNotCheckedBeforeV6(RoomVersion version)
    {
        var room = Room(version);
        Assert.That(BobMaySend(room, c => c["notifications"] = new JsonObject { ["room"] = "lots" }), Is.True);
    }

    // First power levels event

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void FirstPowerLevelsEventMaySetAnyLevels(RoomVersion version)
    {
        var room = CreateOnly(version);
        room.Join(Alice);
        var first = room.Build("m.room.power_levels", Alice, "", $$"""{"users":{"{{Alice}}":1000,"{{Bob}}":1000},"ban":5000}""");
        Assert.That(room.Check(first).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void FirstPowerLevelsEventMayNotListACreatorInV12(RoomVersion version)
    {
        var room = CreateOnly(version);
        room.Join(Alice);
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.power_levels", Alice, "", $$$"""{"users":{"{{{Alice}}}":100}}""")).Allowed, Is.False);
            Assert.That(room.Check(room.Build("m.room.power_levels", Alice, "", $$$"""{"users":{"{{{Bob}}}":100}}""")).Allowed, Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void PowerLevelsMayNotListAnAdditionalCreatorInV12(RoomVersion version)
    {
        var room = Standard(version, extraCreateContent: $$"""{"additional_creators":["{{Bob}}"]}""");
        var listing = room.Build("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice, $"\"{Bob}\":100"));
        Assert.That(room.Check(listing).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void CreatorsMayBeListedBeforeV12(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Build("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice))).Allowed, Is.True);
    }

    // Named levels

    [TestCase("users_default")]
    [TestCase("events_default")]
    [TestCase("state_default")]
    [TestCase("ban")]
    [TestCase("redact")]
    [TestCase("kick")]
    [TestCase("invite")]
    public void NamedLevelMayBeChangedWithinTheSendersLevel(string key)
    {
        var room = Room(RoomVersions.RoomVersions.V11);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c[key] = 40), Is.True, "to 40");
            Assert.That(BobMaySend(room, c => c[key] = 50), Is.True, "to the sender's own level");
            Assert.That(BobMaySend(room, c => c[key] = 51), Is.False, "above the sender");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NamedLevelAboveTheSenderCannotBeChanged(RoomVersion version)
    {
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50", c => c["ban"] = 80)));
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["ban"] = 10), Is.False, "lowered");
            Assert.That(BobMaySend(room, c => c.Remove("ban")), Is.False, "removed");
            Assert.That(BobMaySend(room, c => c["ban"] = 80), Is.True, "left alone");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AddingANamedLevelAboveTheSenderIsRejected(RoomVersion version)
    {
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50", c => c.Remove("kick"))));
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["kick"] = 60), Is.False);
            Assert.That(BobMaySend(room, c => c["kick"] = 20), Is.True, "an absent level is not compared with its default");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithStringPowerLevels))]
    public void RewritingALevelAsAStringIsNoChangeBeforeV10(RoomVersion version)
    {
        // Carol (level 0 → 10) may not touch "ban", but "50" is the same level as 50.
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50,\"{Carol}\":10", c => c["events"]!["m.room.power_levels"] = 10)));
        var content = Levels(version, $"\"{Bob}\":50,\"{Carol}\":10", c => { c["events"]!["m.room.power_levels"] = 10; c["ban"] = "50"; });
        Assert.That(room.Check(room.Build("m.room.power_levels", Carol, "", content)).Allowed, Is.True);
    }

    // events and notifications

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void EventLevelsMayBeSetWithinTheSendersLevel(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["events"]!["m.room.topic"] = 50), Is.True, "added at own level");
            Assert.That(BobMaySend(room, c => c["events"]!["m.room.topic"] = 51), Is.False, "added above");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void EventLevelAboveTheSenderCannotBeChanged(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["events"]!["m.room.history_visibility"] = 0), Is.False, "lowered from 100");
            Assert.That(BobMaySend(room, c => c["events"]!.AsObject().Remove("m.room.history_visibility")), Is.False, "removed");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithNotificationsProtected))]
    public void NotificationLevelsAreProtectedFromV6(RoomVersion version)
    {
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50", c => c["notifications"] = new JsonObject { ["room"] = 80 })));
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["notifications"] = new JsonObject { ["room"] = 10 }), Is.False, "lowered from above");
            Assert.That(BobMaySend(room, c => c["notifications"] = new JsonObject { ["room"] = 80, ["custom"] = 60 }), Is.False, "added above");
            Assert.That(BobMaySend(room, c => c["notifications"] = new JsonObject { ["room"] = 80, ["custom"] = 40 }), Is.True, "added within");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithNotificationsUnprotected))]
    public void NotificationLevelsAreUnprotectedBeforeV6(RoomVersion version)
    {
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50", c => c["notifications"] = new JsonObject { ["room"] = 80 })));
        Assert.That(BobMaySend(room, c => c["notifications"] = new JsonObject { ["room"] = 10, ["custom"] = 90 }), Is.True);
    }

    // users

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SenderMayPromoteUpToTheirOwnLevel(RoomVersion version)
    {
        var room = Room(version);
        Assert.Multiple(() =>
        {
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = 50), Is.True);
            Assert.That(BobMaySend(room, c => c["users"]![Carol] = 51), Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SenderMayNotRaiseThemselves(RoomVersion version)
    {
        var room = Room(version);
        Assert.That(BobMaySend(room, c => c["users"]![Bob] = 60), Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SenderMayDemoteThemselves(RoomVersion version)
    {
        var room = Room(version);
        var content = Levels(version, $"\"{Bob}\":50", c => c["users"]![Bob] = 10);
        Assert.That(room.Check(room.Build("m.room.power_levels", Bob, "", content)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SenderMayDemoteOrRemoveALowerUser(RoomVersion version)
    {
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50,\"{Carol}\":40")));
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.power_levels", Bob, "", Levels(version, $"\"{Bob}\":50,\"{Carol}\":0"))).Allowed, Is.True);
            Assert.That(room.Check(room.Build("m.room.power_levels", Bob, "", Levels(version, $"\"{Bob}\":50"))).Allowed, Is.True);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SenderMayNotDemoteOrRemoveAPeer(RoomVersion version)
    {
        var room = Room(version);
        room.Send(room.Build("m.room.power_levels", Alice, "", Levels(version, $"\"{Bob}\":50,\"{Carol}\":50")));
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(room.Build("m.room.power_levels", Bob, "", Levels(version, $"\"{Bob}\":50,\"{Carol}\":0"))).Allowed, Is.False);
            Assert.That(room.Check(room.Build("m.room.power_levels", Bob, "", Levels(version, $"\"{Bob}\":50"))).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void SenderMayNotDemoteAHigherUser(RoomVersion version)
    {
        var room = Room(version);
        Assert.That(BobMaySend(room, c => c["users"]![Alice] = 0), Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12CreatorMaySetAnyLevel(RoomVersion version)
    {
        var room = Room(version);
        var content = Levels(version, $"\"{Bob}\":9007199254740991", c => c["ban"] = 9007199254740991L);
        Assert.That(room.Check(room.Build("m.room.power_levels", Alice, "", content)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void PowerLevelsNeedTheirOwnEventLevel(RoomVersion version)
    {
        var room = Room(version);
        var content = Levels(version, $"\"{Bob}\":50");
        Assert.That(room.Check(room.Build("m.room.power_levels", Carol, "", content)).Allowed, Is.False);
    }
}
