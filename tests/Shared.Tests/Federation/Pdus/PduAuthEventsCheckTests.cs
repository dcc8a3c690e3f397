using Cluster.Shared.Events;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Tests.Auth;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Federation.Pdus;

/// <summary>Check 4 on receipt: the auth_events list, then the authorization rules against it.</summary>
public class PduAuthEventsCheckTests
{
    private static TestRoom RoomWithBob(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        return room;
    }

    /// <summary>The events <paramref name="ev"/> cites, and from v12 the room's create event, as a caller would supply them.</summary>
    private static List<Pdu> AuthEventsOf(TestRoom room, Pdu ev)
    {
        var events = ev.AuthEventIds.Select(id => room.Events[id]).ToList();
        if (room.Version.RoomIdFromCreateEvent) events.Add(room.CreateEvent);
        return events;
    }

    private static PduCheckResult Check(TestRoom room, Pdu ev, IReadOnlySet<string>? rejected = null) =>
        PduAuthEventsCheck.Check(ev, AuthEventsOf(room, ev), rejected);

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MessageFromAJoinedMemberIsAccepted(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        var result = Check(room, message);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Accepted), result.ToString());
            Assert.That(result.Pdu, Is.SameAs(message));
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MessageFromSomeoneNotInTheRoomIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var result = Check(room, room.Message(Carol));
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Rejected));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.NotAuthorized));
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnsuppliedAuthEventIsWaitedFor(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        var levels = room.State[("m.room.power_levels", "")];
        var result = PduAuthEventsCheck.Check(message, AuthEventsOf(room, message).Where(e => e != levels).ToList());
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.RetryLater));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventsMissing));
            Assert.That(result.WaitingFor, Is.EqualTo(new[] { levels.EventId }));
        });
    }

    [Test]
    public void V12EventWithoutItsRoomsCreateEventWaitsForIt()
    {
        var room = RoomWithBob(RoomVersions.RoomVersions.V12);
        var message = room.Message(Bob);
        var result = PduAuthEventsCheck.Check(message, message.AuthEventIds.Select(id => room.Events[id]).ToList());
        Assert.That(result.WaitingFor, Is.EqualTo(new[] { room.CreateEvent.EventId }));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SuppliedEventsBeyondThoseCitedAreIgnored(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        var everything = room.Events.Values.Where(e => e.StateKey is not null).ToList();
        Assert.That(PduAuthEventsCheck.Check(message, everything).Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AuthEventThatWasRejectedRejectsTheEvent(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var message = room.Message(Bob);
        var bobsJoin = room.State[("m.room.member", Bob)];
        var result = Check(room, message, new HashSet<string> { bobsJoin.EventId });
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Rejected));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventRejected));
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SameAuthEventCitedTwiceIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var cited = room.Message(Bob).AuthEventIds;
        var twice = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited.Append(cited[0]));
        Assert.That(Check(room, twice).Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventsInvalid));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void TwoEventsForOneTypeAndStateKeyAreRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var oldLevels = room.State[("m.room.power_levels", "")];
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice, "\"@bob:example.org\":10"));
        var cited = room.Message(Bob).AuthEventIds.Append(oldLevels.EventId);
        var both = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited);
        Assert.That(Check(room, both).Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventsInvalid));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AuthEventTheSelectionWouldNotPickIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var joinRules = room.State[("m.room.join_rules", "")];
        var cited = room.Message(Bob).AuthEventIds.Append(joinRules.EventId);
        var extra = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited);
        var result = Check(room, extra);
        Assert.Multiple(() =>
        {
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventsInvalid));
            Assert.That(result.Failure.Detail, Does.Contain("m.room.join_rules"));
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void AuthEventFromAnotherRoomIsRejected(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var other = Standard(version, creator: Dave);
        var foreignLevels = other.State[("m.room.power_levels", "")];
        var cited = room.Message(Bob).AuthEventIds.Where(id => room.Events[id].Type != "m.room.power_levels").Append(foreignLevels.EventId);
        var ev = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited);
        var supplied = cited.Select(id => id == foreignLevels.EventId ? foreignLevels : room.Events[id]).ToList();
        var result = PduAuthEventsCheck.Check(ev, supplied);
        Assert.That(result.Failure!.Detail, Does.Contain("is in " + other.RoomId));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorsInPowerLevels))]
    public void EventWithoutTheCreateEventAmongItsAuthEventsIsRejectedBeforeV12(RoomVersion version)
    {
        var room = RoomWithBob(version);
        var cited = room.Message(Bob).AuthEventIds.Where(id => room.Events[id].Type != "m.room.create");
        var ev = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited);
        Assert.That(Check(room, ev).Failure!.Detail, Does.Contain("m.room.create"));
    }

    [Test]
    public void V12EventCitingTheCreateEventIsRejected()
    {
        var room = RoomWithBob(RoomVersions.RoomVersions.V12);
        var cited = room.Message(Bob).AuthEventIds.Append(room.CreateEvent.EventId);
        var ev = room.Build("m.room.message", Bob, null, """{"body":"x"}""", authEvents: cited);
        Assert.That(Check(room, ev).Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventsInvalid));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreateEventIsAcceptedWithoutAuthEvents(RoomVersion version)
    {
        var room = CreateOnly(version);
        Assert.That(PduAuthEventsCheck.Check(room.CreateEvent, []).Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreateEventCitingAuthEventsIsRejected(RoomVersion version)
    {
        var room = CreateOnly(version);
        var create = room.Build("m.room.create", Alice, "", room.CreateEvent.Content.ToJsonString(), prevEvents: [],
            authEvents: [room.CreateEvent.EventId]);
        Assert.That(PduAuthEventsCheck.Check(create, [room.CreateEvent]).Failure!.Reason, Is.EqualTo(PduFailureReason.AuthEventsInvalid));
    }
}
