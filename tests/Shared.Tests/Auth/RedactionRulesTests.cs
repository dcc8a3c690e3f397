using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>
/// Redactions: v1 and v2 have their own rule (redact level, or same server as the redacted event);
/// from v3 a redaction is an ordinary event and the redact level is applied later, when redacting.
/// </summary>
public class RedactionRulesTests
{
    /// <summary>Alice (100), Bob (0) on example.org and Dave (0) on other.example, all joined.</summary>
    private static TestRoom Room(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Join(Dave);
        return room;
    }

    private static Cluster.Shared.Events.Pdu Redaction(TestRoom room, string sender, string redacts) =>
        room.Build("m.room.redaction", sender, null, room.Version.UpdatedRedactionRules ? $$"""{"redacts":"{{redacts}}"}""" : "{}",
            redacts: redacts);

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SenderAtTheRedactLevelMayRedactAnything(RoomVersion version)
    {
        var room = Room(version);
        var message = room.Send(room.Message(Dave));
        Assert.That(room.Check(Redaction(room, Alice, message.EventId)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRedactionRule))]
    public void RedactingAnEventFromTheSameServerIsAllowedInV1AndV2(RoomVersion version)
    {
        var room = Room(version);
        var message = room.Send(room.Message(Bob));
        Assert.That(room.Check(Redaction(room, Bob, message.EventId)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRedactionRule))]
    public void RedactingAnotherServersEventBelowTheRedactLevelIsRejectedInV1AndV2(RoomVersion version)
    {
        var room = Room(version);
        var message = room.Send(room.Message(Dave));
        Assert.That(room.Check(Redaction(room, Bob, message.EventId)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRedactionRule))]
    public void RedactionWithoutTargetBelowTheRedactLevelIsRejectedInV1AndV2(RoomVersion version)
    {
        var room = Room(version);
        Assert.That(room.Check(room.Build("m.room.redaction", Bob, null, "{}")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutRedactionRule))]
    public void RedactLevelIsNotAnAuthRuleFromV3(RoomVersion version)
    {
        var room = Room(version);
        var message = room.Send(room.Message(Dave));
        Assert.That(room.Check(Redaction(room, Bob, message.EventId)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void RedactionEventLevelApplies(RoomVersion version)
    {
        var room = Room(version);
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice)
            .Replace("\"m.room.power_levels\":100", "\"m.room.power_levels\":100,\"m.room.redaction\":10"));
        var message = room.Send(room.Message(Bob));
        Assert.That(room.Check(Redaction(room, Bob, message.EventId)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NonMemberMayNotRedact(RoomVersion version)
    {
        var room = Room(version);
        var message = room.Send(room.Message(Bob));
        room.Leave(Bob);
        Assert.That(room.Check(Redaction(room, Bob, message.EventId)).Allowed, Is.False);
    }
}
