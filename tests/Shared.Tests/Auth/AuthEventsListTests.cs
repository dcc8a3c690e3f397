using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Rules about the auth_events list itself (rule 2 before v12, rules 2-3 in v12).</summary>
public class AuthEventsListTests
{
    private static TestRoom RoomWithBob(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        return room;
    }

    private static AuthDecision CheckWith(TestRoom room, Pdu ev, IEnumerable<Pdu> authEvents, bool withCreate = true) =>
        EventAuth.CheckAgainstAuthEvents(ev, authEvents.ToList(),
            withCreate && room.Version.RoomIdFromCreateEvent ? room.CreateEvent : null);

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void EventCitingItsSelectedAuthEventsIsAllowed(RoomVersion version)
    {
        var room = RoomWithBob(version);
        Assert.That(room.CheckAgainstAuthEvents(room.Message(Bob)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void RulesStillApplyAfterTheListChecks(RoomVersion version)
    {
        var room = Standard(version);
        var fromStranger = room.Message(Carol);
        Assert.That(room.CheckAgainstAuthEvents(fromStranger).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void DuplicateTypeAndStateKeyIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var oldLevels = room.State[("m.room.power_levels", "")];
        var newLevels = room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice, "\"@bob:example.org\":10"));
        var message = room.Message(Bob);
        var cited = message.AuthEventIds.Select(id => room.Events[id]).Append(oldLevels).ToList();
        var twice = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited.Select(e => e.EventId));
        Assert.Multiple(() =>
        {
            Assert.That(cited, Does.Contain(newLevels));
            Assert.That(CheckWith(room, twice, cited).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AuthEventOutsideTheSelectionIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var joinRules = room.State[("m.room.join_rules", "")];
        var message = room.Message(Bob);
        var ids = message.AuthEventIds.Append(joinRules.EventId).ToList();
        var extra = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: ids);
        Assert.That(CheckWith(room, extra, ids.Select(id => room.Events[id])).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithDomainRoomIds))]
    public void MissingCreateEventIsRejectedBeforeV12(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var ids = room.Message(Bob).AuthEventIds.Where(id => id != room.CreateEvent.EventId).ToList();
        var withoutCreate = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: ids);
        Assert.That(CheckWith(room, withoutCreate, ids.Select(id => room.Events[id])).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void CitingTheCreateEventIsRejectedInV12(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var ids = room.Message(Bob).AuthEventIds.Append(room.CreateEvent.EventId).ToList();
        var citing = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: ids);
        Assert.That(CheckWith(room, citing, ids.Select(id => room.Events[id])).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12EventNeedsTheCreateEvent(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        Assert.That(CheckWith(room, message, message.AuthEventIds.Select(id => room.Events[id]), withCreate: false).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12RoomIdMustBeTheCreateEventId(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var elsewhere = room.Build("m.room.message", Bob, null, """{"body":"x"}""", roomId: "!someotherroom");
        var authEvents = elsewhere.AuthEventIds.Select(id => room.Events[id]).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(CheckWith(room, elsewhere, authEvents).Allowed, Is.False);
            Assert.That(room.Check(elsewhere).Allowed, Is.False, "Check applies the room ID rule too");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AuthEventFromAnotherRoomIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        // Bob's membership, copied into another room: the same powers must not carry over.
        var json = room.State[("m.room.member", Bob)].Json.DeepClone().AsObject();
        json["room_id"] = "!elsewhere:example.org";
        var foreign = Pdu.Parse(json, version, "$foreign-member");
        var authEvents = room.Message(Bob).AuthEventIds.Select(id => room.Events[id])
            .Select(e => e.StateKeyTuple == ("m.room.member", Bob) ? foreign : e).ToList();
        var citing = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: authEvents.Select(e => e.EventId));
        Assert.That(CheckWith(room, citing, authEvents).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AuthEventsMustBeExactlyTheCitedEvents(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        var cited = message.AuthEventIds.Select(id => room.Events[id]).ToList();
        var uncited = room.State[("m.room.member", Alice)];
        Assert.Multiple(() =>
        {
            Assert.That(CheckWith(room, message, cited.Skip(1)).Allowed, Is.False, "one missing");
            Assert.That(CheckWith(room, message, cited.Skip(1).Append(uncited)).Allowed, Is.False, "one swapped");
            Assert.That(CheckWith(room, message, cited.Append(uncited)).Allowed, Is.False, "one extra");
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NonStateAuthEventIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var earlier = room.Force(room.Message(Alice));
        var ids = room.Message(Bob).AuthEventIds.Append(earlier.EventId).ToList();
        var citing = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: ids);
        Assert.That(CheckWith(room, citing, ids.Select(id => room.Events[id])).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AuthEventsDecideInsteadOfLaterState(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        room.Ban(Alice, Bob);
        Assert.Multiple(() =>
        {
            Assert.That(room.CheckAgainstAuthEvents(message).Allowed, Is.True, "cited state had Bob joined");
            Assert.That(room.Check(message).Allowed, Is.False, "current state has Bob banned");
        });
    }
}
