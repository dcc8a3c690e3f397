using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Rule 1: the create event.</summary>
public class CreateEventRulesTests
{
    private static Pdu Create(RoomVersion version, string content, string sender = TestRoom.Alice,
        string roomId = "!room:example.org", IEnumerable<string>? prevEvents = null) =>
        TestPdu.Make(version, version.ServerGeneratedEventIds ? "$create:example.org" : "$create",
            "m.room.create", sender, "", content, prevEvents: prevEvents, roomId: roomId);

    private static string ContentFor(RoomVersion version, string extra = "") =>
        (version.ImplicitRoomCreator ? "{" : $$"""{"creator":"{{TestRoom.Alice}}",""") + $"\"room_version\":\"{version.Id}\"{extra}}}";

    private static AuthDecision CheckBothWays(Pdu create)
    {
        var againstState = EventAuth.Check(create, new Dictionary<(string, string), Pdu>());
        var againstAuthEvents = EventAuth.CheckAgainstAuthEvents(create, []);
        Assert.That(againstAuthEvents, Is.EqualTo(againstState), "both entry points apply rule 1 alike");
        return againstState;
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreateEventWithoutPrevEventsIsAllowed(RoomVersion version) =>
        Assert.That(CheckBothWays(Create(version, ContentFor(version))).Allowed, Is.True);

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreateEventWithPrevEventsIsRejected(RoomVersion version) =>
        Assert.That(CheckBothWays(Create(version, ContentFor(version), prevEvents: ["$earlier"])).Allowed, Is.False);

    [TestCaseSource(typeof(Versions), nameof(Versions.WithDomainRoomIds))]
    public void CreateEventWhoseRoomIdIsOnAnotherServerIsRejected(RoomVersion version) =>
        Assert.That(CheckBothWays(Create(version, ContentFor(version), roomId: "!room:elsewhere.example")).Allowed, Is.False);

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12CreateEventCarryingARoomIdIsRejected(RoomVersion version)
    {
        var json = Create(version, ContentFor(version)).Json.DeepClone().AsObject();
        json["room_id"] = "!create";
        Assert.That(CheckBothWays(Pdu.Parse(json, version, "$create")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void UnrecognisedRoomVersionIsRejected(RoomVersion version)
    {
        var content = (version.ImplicitRoomCreator ? "{" : $$"""{"creator":"{{TestRoom.Alice}}",""") + "\"room_version\":\"999\"}";
        Assert.That(CheckBothWays(Create(version, content)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NonStringRoomVersionIsRejected(RoomVersion version)
    {
        var content = (version.ImplicitRoomCreator ? "{" : $$"""{"creator":"{{TestRoom.Alice}}",""") + "\"room_version\":12}";
        Assert.That(CheckBothWays(Create(version, content)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void AbsentRoomVersionIsAllowed(RoomVersion version)
    {
        var content = version.ImplicitRoomCreator ? "{}" : $$"""{"creator":"{{TestRoom.Alice}}"}""";
        Assert.That(CheckBothWays(Create(version, content)).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithCreatorField))]
    public void CreateEventWithoutCreatorIsRejectedBeforeV11(RoomVersion version) =>
        Assert.That(CheckBothWays(Create(version, $$"""{"room_version":"{{version.Id}}"}""")).Allowed, Is.False);

    [TestCaseSource(typeof(Versions), nameof(Versions.WithImplicitCreator))]
    public void CreateEventWithoutCreatorIsAllowedFromV11(RoomVersion version) =>
        Assert.That(CheckBothWays(Create(version, $$"""{"room_version":"{{version.Id}}"}""")).Allowed, Is.True);

    [TestCase("[\"@bob:example.org\",\"@carol:other.example:8448\"]", true)]
    [TestCase("[]", true)]
    [TestCase("\"@bob:example.org\"", false)]
    [TestCase("[\"bob\"]", false)]
    [TestCase("[\"@bob\"]", false)]
    [TestCase("[\"@:example.org\"]", false)]
    [TestCase("[42]", false)]
    [TestCase("null", false)]
    public void V12AdditionalCreatorsMustBeUserIds(string additionalCreators, bool allowed)
    {
        var version = RoomVersions.RoomVersions.V12;
        var create = Create(version, ContentFor(version, $",\"additional_creators\":{additionalCreators}"));
        Assert.That(CheckBothWays(create).Allowed, Is.EqualTo(allowed));
    }

    [Test]
    public void V11DoesNotValidateAdditionalCreators()
    {
        var version = RoomVersions.RoomVersions.V11;
        var create = Create(version, ContentFor(version, ",\"additional_creators\":[\"not a user\"]"));
        Assert.That(CheckBothWays(create).Allowed, Is.True);
    }
}
